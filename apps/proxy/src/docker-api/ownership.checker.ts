import { Inject, Injectable } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon } from '@dind/daemon';
import { DockerPolicy, notFoundRefusal, OwnedObject, ownershipRefusal, PolicyDenial, ResolvedIds, resolvedIdOf } from '@dind/policy';
import { DOCKER_POLICY } from '../core/core.tokens';
import { firstDenial } from './first-denial';

const INSPECT_TIMEOUT_MS = 5000;

export type Inspected = (object: OwnedObject, body: unknown) => void;

// Unversioned: the daemon answers in its own version, whatever that is.
const INSPECT_PATH: Record<OwnedObject['kind'], (ref: string) => string> = {
  container: (ref) => `/containers/${ref}/json`,
  exec: (ref) => `/exec/${ref}/json`,
  image: (ref) => `/images/${ref}/json`,
  volume: (ref) => `/volumes/${ref}`,
  network: (ref) => `/networks/${ref}`,
};

/**
 * Ownership mode: inspects every object a request acts on (its path's object,
 * a commit's container, a create's image, a connect's container) and refuses
 * the request unless the requester owns it or it is shared. An exec session
 * is its container's. What cannot be inspected is refused (fail closed); what
 * does not exist is answered 404 here, not forwarded: forwarded, the request
 * would act on whatever another client creates under that name meanwhile.
 * What each inspect resolved a reference to is recorded in `resolved`, so the
 * request is forwarded naming that object (see `pinnedRequest`).
 */
@Injectable()
export class OwnershipChecker {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
  ) {}

  /** `passed` hears the daemon's answer for each object that passed and exists. */
  check(objects: readonly OwnedObject[], resolved = new ResolvedIds(), passed?: Inspected): Promise<PolicyDenial | undefined> {
    return firstDenial(objects, (object) => `${object.kind}:${object.ref}`, (object) => this.checkOne(object, resolved, passed));
  }

  private async checkOne(object: OwnedObject, resolved: ResolvedIds, passed: Inspected | undefined): Promise<PolicyDenial | undefined> {
    const answer = await this.inspect(object);
    if ('rule' in answer) return answer;
    if (answer.missing) return undefined;
    const denial = await this.checkInspected(object, answer.body);
    if (denial || object.kind === 'volume') return denial;
    const id = resolvedIdOf(object.kind, object.ref, answer.body);
    // Fail closed: what cannot be named exactly cannot be forwarded as checked.
    if (id === undefined) return ownershipRefusal(object, `the daemon's answer for ${object.kind} ${JSON.stringify(object.ref)} names no ID`);
    resolved.record(object.kind, object.ref, id);
    passed?.(object, answer.body);
    return undefined;
  }

  private async checkInspected(object: OwnedObject, body: unknown): Promise<PolicyDenial | undefined> {
    if (object.kind !== 'exec') return this.policy.checkOwnedObject(object, body);
    const containerId = (body as { ContainerID?: unknown } | null)?.ContainerID;
    if (typeof containerId !== 'string' || containerId === '') return ownershipRefusal(object, `cannot tell whose exec ${JSON.stringify(object.ref)} is (the daemon names no container)`);
    // The session's container decides, looked up by the ID the daemon gave.
    const container: OwnedObject = { ...object, kind: 'container', ref: containerId, ifMissing: 'not-found' };
    const inspected = await this.inspect(container);
    if ('rule' in inspected || inspected.missing) return ownershipRefusal(object, `cannot check the container of exec ${JSON.stringify(object.ref)}: ${'rule' in inspected ? inspected.reason : 'it is gone'}`);
    const denial = this.policy.checkOwnedObject(container, inspected.body);
    return denial && ownershipRefusal(object, `exec ${JSON.stringify(object.ref)} runs in a container that is not the requester's: ${denial.reason}`);
  }

  /** The daemon's inspect; `missing` when there is no such object and the request may go on. */
  private async inspect(object: OwnedObject): Promise<{ missing: true } | { missing?: undefined; body: unknown } | PolicyDenial> {
    const cannot = (why: string) => ownershipRefusal(object, `cannot inspect ${object.kind} ${JSON.stringify(object.ref)} to check its owner (${why})`);
    try {
      const answer = await getFromDaemon(this.supervisor.upstream, INSPECT_PATH[object.kind](encodeURIComponent(object.ref)), INSPECT_TIMEOUT_MS);
      if (answer.status === 404) return object.ifMissing === 'go-on' ? { missing: true } : notFoundRefusal(object);
      if (answer.status !== 200) return cannot(`the daemon answered ${answer.status}`);
      return { body: answer.body };
    } catch (error) {
      return cannot((error as Error).message);
    }
  }
}
