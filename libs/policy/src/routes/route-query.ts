import apiRoutes from './docker-api-routes.json';
import { RouteRow } from './route-table';

const specQuery = new Map<string, readonly string[]>(
  apiRoutes.routes.map((route) => [`${route.method} ${route.path}`, Object.keys(route.query)]),
);

// Parameters the daemon reads as lists; every other parameter may appear once,
// because Go's Form.Get takes the first value and a proxy that checked another
// one would be checking the wrong value.
const REPEATABLE: Readonly<Record<string, readonly string[]>> = {
  'POST /build': ['t'],
  // Dockerfile instructions applied to the image (`docker import -c … -c …`, `docker commit -c`).
  'POST /images/create': ['changes'],
  'POST /commit': ['changes'],
  'GET /images/get': ['names'],
  'DELETE /images/{name}': ['platforms'],
};

export function knownQueryParameters(row: RouteRow): ReadonlySet<string> {
  const key = `${row.method} ${row.template}`;
  return new Set([...(specQuery.get(key) ?? []), ...(row.extraQuery ?? [])]);
}

export function repeatableQueryParameters(row: RouteRow): ReadonlySet<string> {
  return new Set(REPEATABLE[`${row.method} ${row.template}`] ?? []);
}
