import { Inject, Injectable, Optional } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon } from '@dind/daemon';
import { ContainerReference, deny, DockerPolicy, nextNamespaceReference, PolicyDenial, ResolvedIds, resolvedIdOf } from '@dind/policy';
import { DOCKER_POLICY } from '../core/core.tokens';
import { VolumeReferenceChecker } from './volume-reference.checker';

// A namespace join may lead through containers that joined others; the daemon
// follows the chain, so do we, this far.
const MAX_NAMESPACE_HOPS = 8;
const INSPECT_TIMEOUT_MS = 5000;

/**
 * Inspects every container a request borrows from (VolumesFrom, container:<ref>
 * namespaces, the target of an exec) and refuses the request unless each one
 * satisfies the policy: a container that did not come in through it (a shared
 * daemon in sidecar mode, dry-run) must not lend its host mounts, host
 * namespaces or privileges. The container each reference resolved to is
 * recorded in `resolved`: the request is forwarded naming it by its full ID
 * (see `pinnedRequest`), or the daemon could resolve the name to another one.
 */
@Injectable()
export class ContainerReferenceChecker {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
    @Optional() private readonly volumes?: VolumeReferenceChecker,
  ) {}

  async check(references: readonly ContainerReference[], resolved = new ResolvedIds()): Promise<PolicyDenial | undefined> {
    for (const first of references) {
      let reference: ContainerReference | undefined = first;
      for (let hop = 0; reference; hop++) {
        if (hop === MAX_NAMESPACE_HOPS) return refusal(first, `the chain of namespace joins is longer than ${MAX_NAMESPACE_HOPS}`);
        const inspected = await this.inspect(reference);
        if ('rule' in inspected) return inspected;
        const denial = this.policy.checkReferencedContainer(reference, inspected.body);
        if (denial) return denial;
        // Only the first hop is the request's; later ones are what the daemon stored.
        if (hop === 0) {
          const id = resolvedIdOf('container', reference.ref, inspected.body);
          if (id === undefined) return refusal(reference, `the daemon's answer for container ${JSON.stringify(reference.ref)} names no ID`);
          resolved.record('container', reference.ref, id);
        }
        const lent = await this.checkLentVolumes(reference, inspected.body);
        if (lent) return lent;
        reference = nextNamespaceReference(reference, inspected.body);
      }
    }
    return undefined;
  }

  /**
   * VolumesFrom lends the container's named volumes, and a named volume is a
   * host mount when its options make it one: its mounts of type volume are
   * inspected like a create's own.
   */
  private async checkLentVolumes(reference: ContainerReference, inspected: unknown): Promise<PolicyDenial | undefined> {
    if (reference.purpose !== 'volumes-from' || !this.volumes) return undefined;
    const mounts = (inspected as { Mounts?: Array<{ Type?: unknown; Name?: unknown }> } | undefined)?.Mounts ?? [];
    const named = mounts.filter((mount) => mount.Type === 'volume' && typeof mount.Name === 'string' && mount.Name !== '');
    return this.volumes.check(named.map((mount) => ({ field: reference.field, value: reference.value, name: mount.Name as string })));
  }

  private async inspect(reference: ContainerReference): Promise<{ body: unknown } | PolicyDenial> {
    // Unversioned: the daemon answers in its own version, whatever that is.
    const path = `/containers/${encodeURIComponent(reference.ref)}/json`;
    const cannot = (why: string) => refusal(reference, `cannot inspect container ${JSON.stringify(reference.ref)} to check it (${why})`);
    try {
      const answer = await getFromDaemon(this.supervisor.upstream, path, INSPECT_TIMEOUT_MS);
      // Fail closed: a name the inspect does not find is not one that was checked.
      if (answer.status === 404) return cannot('no such container');
      if (answer.status !== 200) return cannot(`the daemon answered ${answer.status}`);
      return { body: answer.body };
    } catch (error) {
      return cannot((error as Error).message);
    }
  }
}

const refusal = (reference: ContainerReference, reason: string): PolicyDenial => deny('container-reference', reason, reference.field, reference.value);
