import apiRoutes from './docker-api-routes.json';
import { RouteMatcher } from './route-matcher';
import { ROUTE_TABLE } from './route-table';

const matcher = new RouteMatcher();
// A concrete path for a template, as a client would send it.
// Image and plugin references may span segments; other names may not.
const sample = (template: string) => {
  const reference = /^\/(images|distribution|plugins)\//.test(template) ? 'registry.example:5000/team/app:1.0' : 'my-volume';
  return template.replace('{name}', reference).replace('{id}', 'c0ffee').split('/').slice(1);
};

describe('the route table', () => {
  it.each(apiRoutes.routes.map((r) => [r.method, r.path, r.versions.join('–')]))(
    '%s %s (API %s) is classified exactly once',
    (method, path) => {
      const rows = ROUTE_TABLE.filter((row) => row.method === method && row.template === path);
      expect(rows).toHaveLength(1);
    },
  );

  it('has no row the specs do not define, except the daemon routes listed here', () => {
    const known = new Set(apiRoutes.routes.map((r) => `${r.method} ${r.path}`));
    // POST /grpc: BuildKit's control API (buildx's docker driver); the daemon serves it, the specs do not list it.
    expect(ROUTE_TABLE.map((row) => `${row.method} ${row.template}`).filter((key) => !known.has(key))).toEqual(['POST /grpc']);
  });

  it.each(apiRoutes.routes.map((r) => [r.method, r.path]))('a request to %s %s matches its own row and no other', (method, path) => {
    const matches = matcher.match(method, sample(path));
    expect(matches.map((m) => m.row.template)).toEqual([path]);
  });

  it('covers the specs v1.41 to v1.52', () => {
    expect(apiRoutes.generatedFrom[0]).toBe('v1.41.yaml');
    expect(apiRoutes.generatedFrom[apiRoutes.generatedFrom.length - 1]).toBe('v1.52.yaml');
  });

  it.each([
    ['POST', '/containers/create', 'validated'],
    ['POST', '/containers/{id}/start', 'validated'],
    ['POST', '/containers/{id}/update', 'validated'],
    ['POST', '/containers/{id}/exec', 'validated'],
    ['POST', '/volumes/create', 'validated'],
    ['POST', '/networks/create', 'validated'],
    ['POST', '/networks/{id}/connect', 'validated'],
    ['POST', '/build', 'validated'],
    ['POST', '/images/create', 'validated'],
    ['POST', '/commit', 'validated'],
    ['POST', '/swarm/init', 'denied'],
    ['POST', '/plugins/pull', 'denied'],
    ['POST', '/services/create', 'denied'],
    ['POST', '/secrets/create', 'denied'],
    ['POST', '/session', 'validated'],
    ['POST', '/grpc', 'validated'],
    ['GET', '/containers/json', 'passthrough'],
  ])('%s %s is %s', (method, template, expected) => {
    expect(ROUTE_TABLE.find((row) => row.method === method && row.template === template)?.class).toBe(expected);
  });

  // A request the daemon may hold open must never take a pooled connection:
  // enough of them would leave none for `docker ps`.
  const longLived = (method: string, template: string) => ROUTE_TABLE.find((row) => row.method === method && row.template === template)?.longLived === true;

  it('gives every hijacked route a connection of its own', () => {
    expect(ROUTE_TABLE.filter((row) => row.hijack && !row.longLived)).toEqual([]);
  });

  it.each([
    ['GET', '/events'],
    ['GET', '/containers/{id}/logs'],
    ['GET', '/containers/{id}/stats'],
    ['POST', '/containers/{id}/wait'],
    ['POST', '/containers/{id}/stop'],
    ['GET', '/containers/{id}/archive'],
    ['PUT', '/containers/{id}/archive'],
    ['POST', '/images/create'],
    ['POST', '/images/load'],
    ['GET', '/images/get'],
    ['POST', '/build'],
    ['POST', '/auth'],
  ])('%s %s may last long and gets a connection of its own', (method, template) => {
    expect(longLived(method, template)).toBe(true);
  });

  it.each([
    ['GET', '/_ping'],
    ['GET', '/version'],
    ['GET', '/containers/json'],
    ['GET', '/containers/{id}/json'],
    ['POST', '/containers/create'],
    ['DELETE', '/containers/{id}'],
  ])('%s %s is short and shares the pool', (method, template) => {
    expect(longLived(method, template)).toBe(false);
  });
});
