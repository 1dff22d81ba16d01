import { Inject, Injectable } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon } from '@dind/daemon';
import { DockerPolicy, NetworkReference, networkReferenceRefusal, PolicyDenial, ResolvedIds, resolvedIdOf } from '@dind/policy';
import { DOCKER_POLICY } from '../core/core.tokens';
import { firstDenial } from './first-denial';

const INSPECT_TIMEOUT_MS = 5000;

/**
 * Resolves every network a request attaches to on the daemon, the way the
 * daemon will resolve it (full ID, exact name, unique ID prefix), and refuses
 * the request unless the network it resolves to may be joined. The list of
 * host network IDs the service keeps is a first, static look; this one is
 * made at request time and also sees networks created a moment ago. The
 * network each reference resolved to is recorded in `resolved`, so a path's
 * network is forwarded by its full ID (see `pinnedRequest`).
 */
@Injectable()
export class NetworkReferenceChecker {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
  ) {}

  check(references: readonly NetworkReference[], resolved = new ResolvedIds()): Promise<PolicyDenial | undefined> {
    return firstDenial(references, (reference) => reference.ref, (reference) => this.checkOne(reference, resolved));
  }

  private async checkOne(reference: NetworkReference, resolved: ResolvedIds): Promise<PolicyDenial | undefined> {
    const cannot = (why: string) => networkReferenceRefusal(reference, `cannot resolve network ${JSON.stringify(reference.ref)} to check it (${why})`);
    try {
      const answer = await getFromDaemon(this.supervisor.upstream, `/networks/${encodeURIComponent(reference.ref)}`, INSPECT_TIMEOUT_MS);
      // Fail closed: a reference the daemon cannot resolve now could resolve to
      // anything by the time it is used (a stopped container keeps it until start).
      if (answer.status === 404) return cannot('no such network');
      if (answer.status !== 200) return cannot(`the daemon answered ${answer.status}`);
      const denial = this.policy.checkReferencedNetwork(reference, answer.body);
      if (denial) return denial;
      const id = resolvedIdOf('network', reference.ref, answer.body);
      if (id === undefined) return cannot('the daemon names no ID');
      resolved.record('network', reference.ref, id);
      return undefined;
    } catch (error) {
      return cannot((error as Error).message);
    }
  }
}
