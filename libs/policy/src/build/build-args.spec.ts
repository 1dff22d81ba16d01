import { parseBuildArgs } from './build-args';

describe('parseBuildArgs: the buildargs query parameter', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['null', {}],
    ['{}', {}],
    ['{"A":"1","B":null}', { A: '1', B: null }],
    ['{"rule":"x","reason":"y"}', { rule: 'x', reason: 'y' }],
  ])('reads %p as %p', (raw, buildArgs) => {
    expect(parseBuildArgs(raw)).toEqual({ buildArgs });
  });

  it.each([['not json'], ['[]'], ['"A=1"'], ['{"A":1}'], ['{"A":{"B":"c"}}']])('refuses %p, naming the parameter', (raw) => {
    expect(parseBuildArgs(raw)).toEqual({ denial: expect.objectContaining({ rule: 'build.context', field: 'query.buildargs', value: raw }) });
  });
});
