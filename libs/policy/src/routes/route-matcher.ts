import { ROUTE_TABLE, RouteRow } from './route-table';

export interface RouteMatch {
  readonly row: RouteRow;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  readonly row: RouteRow;
  readonly prefix: readonly string[];
  /** Parameter that may span several segments (image and plugin references contain '/'). */
  readonly greedy?: { readonly name: string; readonly suffix: readonly string[] };
  /** Single-segment parameters by position in `prefix`. */
  readonly params: ReadonlyMap<number, string>;
}

// Image and plugin references contain slashes (`registry:5000/team/app`); the
// daemon's router matches these with `{name:.*}`, so must we.
const GREEDY_PARAM_ROUTES = /^\/(images|distribution|plugins)\/\{name\}/;

function compile(row: RouteRow): CompiledRoute {
  const segments = row.template.split('/').slice(1);
  const params = new Map<number, string>();
  if (GREEDY_PARAM_ROUTES.test(row.template)) {
    const at = segments.indexOf('{name}');
    return { row, prefix: segments.slice(0, at), greedy: { name: 'name', suffix: segments.slice(at + 1) }, params };
  }
  segments.forEach((segment, index) => {
    const param = /^\{(\w+)\}$/.exec(segment);
    if (param) params.set(index, param[1]);
  });
  return { row, prefix: segments, params };
}

export class RouteMatcher {
  private readonly routesByMethod = new Map<string, CompiledRoute[]>();

  constructor(rows: readonly RouteRow[] = ROUTE_TABLE) {
    for (const row of rows) {
      const list = this.routesByMethod.get(row.method) ?? [];
      list.push(compile(row));
      this.routesByMethod.set(row.method, list);
    }
  }

  /** Every row that matches; the caller refuses anything but exactly one. */
  match(method: string, segments: readonly string[]): RouteMatch[] {
    const matches: RouteMatch[] = [];
    for (const route of this.routesByMethod.get(method) ?? []) {
      const params = matchRoute(route, segments);
      if (params) matches.push({ row: route.row, params });
    }
    return matches;
  }
}

function matchRoute(route: CompiledRoute, segments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const fixedLength = route.prefix.length + (route.greedy ? route.greedy.suffix.length : 0);
  if (route.greedy ? segments.length <= fixedLength : segments.length !== fixedLength) return undefined;
  for (let i = 0; i < route.prefix.length; i++) {
    const param = route.params.get(i);
    if (param) params[param] = segments[i];
    else if (route.prefix[i] !== segments[i]) return undefined;
  }
  if (route.greedy) {
    const { suffix, name } = route.greedy;
    const tail = segments.slice(segments.length - suffix.length);
    if (suffix.some((literal, i) => literal !== tail[i])) return undefined;
    params[name] = segments.slice(route.prefix.length, segments.length - suffix.length).join('/');
  }
  return params;
}
