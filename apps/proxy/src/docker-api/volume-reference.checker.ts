import { Inject, Injectable } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon, postToDaemon } from '@dind/daemon';
import { DockerPolicy, OWNER_LABEL, PolicyDenial, VolumeReference, volumeReferenceRefusal } from '@dind/policy';
import { DOCKER_POLICY } from '../core/core.tokens';
import { firstDenial } from './first-denial';

const INSPECT_TIMEOUT_MS = 5000;

/**
 * Inspects every named volume a request mounts and refuses the request unless
 * each one is what `POST /volumes/create` would have allowed: a local volume
 * whose driver options bind a host path gives the container that path, however
 * the volume came to exist.
 */
@Injectable()
export class VolumeReferenceChecker {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
  ) {}

  check(references: readonly VolumeReference[]): Promise<PolicyDenial | undefined> {
    return firstDenial(references, (reference) => reference.name, (reference) => this.checkOne(reference));
  }

  private async checkOne(reference: VolumeReference): Promise<PolicyDenial | undefined> {
    const cannot = (why: string) => volumeReferenceRefusal(reference, `cannot inspect volume ${JSON.stringify(reference.name)} to check it (${why})`);
    try {
      if (reference.owner !== undefined) return await this.createOwned(reference, reference.owner);
      // Unversioned: the daemon answers in its own version, whatever that is.
      const answer = await getFromDaemon(this.supervisor.upstream, `/volumes/${encodeURIComponent(reference.name)}`, INSPECT_TIMEOUT_MS);
      // No such volume: the daemon creates it for this container with the
      // request's own (already checked) driver and options.
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) return cannot(`the daemon answered ${answer.status}`);
      return this.policy.checkReferencedVolume(reference, answer.body);
    } catch (error) {
      return cannot((error as Error).message);
    }
  }

  /**
   * Ownership mode. A named volume the container mounts and the daemon does
   * not have would be created by the daemon without the owner label: nobody's,
   * and then nobody could use it again. So the proxy asks for it first, with the
   * label (and a mount's own VolumeOptions.Labels, as the daemon would give
   * it). For a name that exists, the daemon's create answers with the existing
   * volume, labels unchanged; either way the answer is judged like an inspect,
   * ownership included. Create-or-get is one step on the daemon, so no other
   * client's volume of that name can slip in between.
   */
  private async createOwned(reference: VolumeReference, owner: string): Promise<PolicyDenial | undefined> {
    const labels = { ...(reference.labels ?? {}), [OWNER_LABEL]: owner };
    const answer = await postToDaemon(this.supervisor.upstream, '/volumes/create', { Name: reference.name, Driver: 'local', Labels: labels }, INSPECT_TIMEOUT_MS);
    if (answer.status !== 201 && answer.status !== 200) {
      return volumeReferenceRefusal(reference, `cannot create or inspect volume ${JSON.stringify(reference.name)} to check it (the daemon answered ${answer.status})`);
    }
    return this.policy.checkReferencedVolume(reference, answer.body);
  }
}
