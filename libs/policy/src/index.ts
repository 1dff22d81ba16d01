export * from './api-version';
export * from './policy-denial';
export * from './policy-request';
export * from './docker-policy';
export { ROUTE_TABLE } from './routes/route-table';
export type { RouteRow, RouteClass, BodyHandling } from './routes/route-table';
export * from './network/subnet-membership';
export * from './options/policy-options';
