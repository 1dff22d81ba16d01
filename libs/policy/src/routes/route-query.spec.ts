import { DockerPolicy } from '../docker-policy';
import { PolicyDecision } from '../policy-request';
import { repeatableQueryParameters } from './route-query';
import { ROUTE_TABLE } from './route-table';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const ask = (method: string, url: string): PolicyDecision => policy.decide({ method, url, headers: {} });
const ruleOf = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : `${decision.denial.rule} ${decision.denial.field}`);

describe('parameters the daemon reads as lists', () => {
  // Each from moby's handlers: `r.Form["x"]` (a list) rather than r.FormValue / r.Form.Get (the first value).
  const FROM_MOBY: Record<string, string[]> = {
    'POST /build': ['t', 'extrahosts', 'securityopt'], // router/build newImageBuildOptions
    'POST /commit': ['changes'], // router/container postCommit
    'POST /images/create': ['changes'], // router/image postImagesCreate (import)
    'GET /images/get': ['names', 'platform'], // router/image getImagesGet (platform: API 1.48+)
    'GET /images/{name}/get': ['platform'], // the same handler; the name comes from the path
    'POST /images/load': ['platform'], // router/image postImagesLoad (API 1.48+)
    'DELETE /images/{name}': ['platforms'], // router/image deleteImages (API 1.50+)
    'GET /system/df': ['type'], // router/system getDiskUsage (API 1.42+)
  };

  it('are exactly the ones moby reads with r.Form[...]', () => {
    const table = Object.fromEntries(
      ROUTE_TABLE.map((row) => [`${row.method} ${row.template}`, [...repeatableQueryParameters(row)]]).filter(([, list]) => list.length > 0),
    );
    expect(table).toEqual(FROM_MOBY);
  });

  it.each([
    ['docker build --add-host twice', 'POST', '/v1.41/build?extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8&t=x'],
    ['the same, unversioned', 'POST', '/build?extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8'],
    ['the same, API 1.24', 'POST', '/v1.24/build?extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8'],
    ['docker build -t twice', 'POST', '/v1.41/build?t=a&t=b'],
    ['docker save of two images', 'GET', '/v1.41/images/get?names=a&names=b'],
    ['docker system df of two types', 'GET', '/v1.52/system/df?type=image&type=volume'],
  ])('accepts repeats: %s', (_name, method, url) => {
    expect(ruleOf(ask(method, url))).toBe('allowed');
  });

  it('forwards every value of a list, in order', () => {
    const decision = ask('POST', '/v1.41/build?extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8');
    expect(decision.allowed && decision.upstreamUrl).toBe('/v1.41/build?extrahosts=a%3A1.2.3.4&extrahosts=b%3A5.6.7.8');
  });

  it.each([
    ['a forbidden securityopt after an allowed one', '/v1.41/build?securityopt=%5B%5D&securityopt=seccomp%3Dunconfined', 'confinement query.securityopt'],
    ['a forbidden securityopt before an allowed one', '/build?securityopt=seccomp%3Dunconfined&securityopt=%5B%5D', 'confinement query.securityopt'],
  ])('judges each value of a list: refuses %s', (_name, url, rule) => {
    // The build-step rules read the whole list as the step's SecurityOpt and name the entry.
    expect(ruleOf(ask('POST', url)).startsWith(rule)).toBe(true);
  });

  it.each([
    ['networkmode', '/v1.41/build?networkmode=default&networkmode=host'],
    ['remote', '/build?remote=https%3A%2F%2Fexample.com%2Fa.tar&remote=http%3A%2F%2F127.0.0.1%2F'],
    ['fromSrc', '/v1.24/images/create?fromSrc=-&fromSrc=http%3A%2F%2F127.0.0.1%2Fx.tar'],
  ])('still refuses a repeat of a single-valued parameter: %s', (name, url) => {
    expect(ruleOf(ask('POST', url))).toBe(`query.duplicate query.${name}`);
  });
});
