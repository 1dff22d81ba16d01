import { Inject, Injectable } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon } from '@dind/daemon';
import { DockerPolicy, PolicyDenial, VolumeReference, volumeReferenceRefusal } from '@dind/policy';
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
}
