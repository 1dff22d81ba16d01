import { withOwnerFilter } from './owner-filters';

const OWN = 'dind-service.owner=10.0.0.5';

describe('withOwnerFilter', () => {
  it.each<[string, string | undefined, unknown]>([
    ['no filters', undefined, { label: { [OWN]: true } }],
    ['an empty value (the daemon reads it as none)', '', { label: { [OWN]: true } }],
    ['null', 'null', { label: { [OWN]: true } }],
    ['the map form, other filters kept', '{"status":{"running":true}}', { status: { running: true }, label: { [OWN]: true } }],
    ['the map form, the client\'s labels ANDed', '{"label":{"app=web":true}}', { label: { 'app=web': true, [OWN]: true } }],
    ['the legacy list form, rewritten as maps', '{"label":["app=web"],"name":["db"]}', { label: { 'app=web': true, [OWN]: true }, name: { db: true } }],
    ['a client naming another owner: both must hold, so nothing matches', '{"label":{"dind-service.owner=10.0.0.6":true}}', { label: { 'dind-service.owner=10.0.0.6': true, [OWN]: true } }],
    ['a client switching the owner filter off: it is on again', `{"label":{"${OWN}":false}}`, { label: { [OWN]: true } }],
  ])('adds the owner label to %s', (_name, filters, expected) => {
    const merged = withOwnerFilter(filters, '10.0.0.5');
    expect(typeof merged).toBe('string');
    expect(JSON.parse(merged as string)).toEqual(expected);
  });

  it.each([
    ['invalid JSON', '{"label":'],
    ['a duplicate key (the daemon would keep the last)', '{"label":{"a=b":true},"label":{}}'],
    ['a list', '["label"]'],
    ['a number value', '{"label":3}'],
    ['a non-string list entry', '{"label":[1]}'],
    ['a non-boolean map entry', '{"label":{"a=b":"yes"}}'],
  ])('refuses %s (a protocol refusal: the list is never forwarded unfiltered)', (_name, filters) => {
    const merged = withOwnerFilter(filters, '10.0.0.5');
    expect(merged).toMatchObject({ rule: 'query.filters', field: 'query.filters' });
  });
});
