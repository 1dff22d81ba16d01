import apiRoutes from './docker-api-routes.json';
import { RouteRow } from './route-table';

const specQuery = new Map<string, readonly string[]>(
  apiRoutes.routes.map((route) => [`${route.method} ${route.path}`, Object.keys(route.query)]),
);

// Parameters the daemon reads as lists (`r.Form["x"]` in moby's handlers, not
// `r.FormValue("x")`); every other parameter may appear once, because Go's
// Form.Get takes the first value and a proxy that checked another one would be
// checking the wrong value. A listed parameter's rule applies to every value.
const REPEATABLE: Readonly<Record<string, readonly string[]>> = {
  // `docker build -t a -t b --add-host h:1.2.3.4 --add-host …`; securityopt is a
  // list too (the daemon refuses any on Linux; the build rule checks each value).
  'POST /build': ['t', 'extrahosts', 'securityopt'],
  // Dockerfile instructions applied to the image (`docker import -c … -c …`, `docker commit -c`).
  'POST /images/create': ['changes'],
  'POST /commit': ['changes'],
  // API 1.48+: `platform` is read as a list by save and load.
  'GET /images/get': ['names', 'platform'],
  'GET /images/{name}/get': ['platform'],
  'POST /images/load': ['platform'],
  'DELETE /images/{name}': ['platforms'],
  // API 1.42+: which object types `docker system df` counts.
  'GET /system/df': ['type'],
};

export function knownQueryParameters(row: RouteRow): ReadonlySet<string> {
  const key = `${row.method} ${row.template}`;
  return new Set([...(specQuery.get(key) ?? []), ...(row.extraQuery ?? [])]);
}

export function repeatableQueryParameters(row: RouteRow): ReadonlySet<string> {
  return new Set(REPEATABLE[`${row.method} ${row.template}`] ?? []);
}
