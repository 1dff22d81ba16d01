import { ResourceOptions } from '../options/resource-options';
import { deny, PolicyDenial } from '../policy-denial';
import { RouteRow } from '../routes/route-table';

/**
 * A request that would add a container (create) or a running container (start,
 * restart: a restart starts a stopped container). Unpause is not one: a paused
 * container holds its processes and memory and the daemon lists it as running.
 */
export interface ContainerCountCheck {
  readonly adds: 'container' | 'running';
  /** The container a start or restart names (path.id). */
  readonly ref?: string;
}

const STARTS = new Set(['/containers/{id}/start', '/containers/{id}/restart']);

export function containerCountCheckOf(route: RouteRow, params: Readonly<Record<string, string>>): ContainerCountCheck | undefined {
  if (route.method !== 'POST') return undefined;
  if (route.template === '/containers/create') return { adds: 'container' };
  return STARTS.has(route.template) ? { adds: 'running', ref: params.id } : undefined;
}

interface ListedContainer {
  readonly Id?: string;
  readonly Names?: readonly string[];
  readonly State?: string;
}

// What `GET /containers/json` without all=1 lists: a paused or restarting container is still running.
const RUNNING_STATES = new Set(['running', 'paused', 'restarting']);

/**
 * Judges a request against `GET /containers/json?all=1` as the daemon answered
 * it. The daemon counts every container it holds, whoever created it: the
 * ceiling protects the daemon, not a client's share. What cannot be read is
 * refused (fail closed).
 */
export function checkContainerCount(check: ContainerCountCheck, listed: unknown, resources: ResourceOptions): PolicyDenial | undefined {
  if (!Array.isArray(listed)) return deny('resources', 'cannot count the daemon\'s containers to check the ceiling', 'containers');
  const containers = listed as readonly ListedContainer[];
  if (check.adds === 'container') {
    const { max } = resources.containers;
    if (containers.length < max) return undefined;
    return deny('resources', `the daemon already holds ${containers.length} containers, the most this service allows (resources.containers.max); remove some (docker container prune)`, 'containers', containers.length);
  }
  const running = containers.filter((c) => RUNNING_STATES.has(c.State ?? ''));
  const { running: max } = resources.containers;
  if (running.length < max) return undefined;
  // Starting what already runs adds nothing (start answers 304; restart replaces it).
  const target = check.ref === undefined ? undefined : findByReference(containers, check.ref);
  if (target && RUNNING_STATES.has(target.State ?? '')) return undefined;
  return deny('resources', `${running.length} containers are running, the most this service allows (resources.containers.running); stop one first`, 'containers.running', running.length);
}

/** The daemon's lookup order: full ID, then name, then a unique ID prefix. */
function findByReference(containers: readonly ListedContainer[], ref: string): ListedContainer | undefined {
  const byId = containers.find((c) => c.Id === ref);
  if (byId) return byId;
  const byName = containers.find((c) => c.Names?.includes(`/${ref}`));
  if (byName) return byName;
  const byPrefix = containers.filter((c) => c.Id?.startsWith(ref));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}
