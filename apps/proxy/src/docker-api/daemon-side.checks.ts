import { Inject, Injectable } from '@nestjs/common';
import { AllowedRequest, DockerPolicy, forwardsInDryRun, PolicyDenial } from '@dind/policy';
import { DialTargetChecker } from '../network/dial-target.checker';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { DOCKER_POLICY } from './docker-api.tokens';
import { NetworkReferenceChecker } from './network-reference.checker';
import { OwnershipChecker } from './ownership.checker';
import { VolumeReferenceChecker } from './volume-reference.checker';

/**
 * What the pure policy cannot see on its own — the daemon's containers (those
 * a request borrows from, and how many there are), the volumes and networks a
 * request names (what they are on the daemon) and DNS — checked after it
 * allowed a request, for the HTTP path and the hijack path alike. Only
 * requests that name such things, or add a container, wait for these checks.
 */
@Injectable()
export class DaemonSideChecks {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly dialTargets: DialTargetChecker,
    private readonly containerReferences: ContainerReferenceChecker,
    private readonly containerCount: ContainerCountChecker,
    private readonly volumeReferences: VolumeReferenceChecker,
    private readonly networkReferences: NetworkReferenceChecker,
    private readonly ownership: OwnershipChecker,
  ) {}

  /** The decision to forward (in dry-run, with the would-be denial), or the denial. */
  async settle(decision: AllowedRequest): Promise<AllowedRequest | PolicyDenial> {
    // In ownership mode the volume check creates a missing named volume with
    // the owner label (the daemon would create it unlabelled): it comes last,
    // after every other check has passed.
    const volumesLast = decision.volumeReferences?.some((reference) => reference.owner !== undefined) ?? false;
    const volumes = async () => (decision.volumeReferences?.length ? await this.volumeReferences.check(decision.volumeReferences) : undefined);
    const denial =
      (decision.ownedObjects?.length ? await this.ownership.check(decision.ownedObjects) : undefined) ??
      (decision.dialTargets?.length ? await this.dialTargets.check(decision.dialTargets) : undefined) ??
      (decision.containerReferences?.length ? await this.containerReferences.check(decision.containerReferences) : undefined) ??
      (volumesLast ? undefined : await volumes()) ??
      (decision.networkReferences?.length ? await this.networkReferences.check(decision.networkReferences) : undefined) ??
      (decision.containerCount ? await this.containerCount.check(decision.containerCount) : undefined) ??
      (volumesLast ? await volumes() : undefined);
    if (!denial) return decision;
    if (!forwardsInDryRun(this.policy.policyOptions, denial)) return denial;
    return decision.wouldDeny ? decision : { ...decision, wouldDeny: denial };
  }
}
