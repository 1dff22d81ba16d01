import { Inject, Injectable } from '@nestjs/common';
import { AllowedRequest, DockerPolicy, forwardsInDryRun, PolicyDenial } from '@dind/policy';
import { DialTargetChecker } from '../network/dial-target.checker';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { DOCKER_POLICY } from '../core/core.tokens';
import { NetworkReferenceChecker } from './network-reference.checker';
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
  ) {}

  /** The decision to forward (in dry-run, with the would-be denial), or the denial. */
  async settle(decision: AllowedRequest): Promise<AllowedRequest | PolicyDenial> {
    // Independent questions to the daemon and DNS, asked together: a create
    // that names volumes and networks waits for the slowest, not for the sum.
    // The first denial in this fixed order is the one reported.
    const answers = await Promise.all([
      decision.dialTargets?.length ? this.dialTargets.check(decision.dialTargets) : undefined,
      decision.containerReferences?.length ? this.containerReferences.check(decision.containerReferences) : undefined,
      decision.volumeReferences?.length ? this.volumeReferences.check(decision.volumeReferences) : undefined,
      decision.networkReferences?.length ? this.networkReferences.check(decision.networkReferences) : undefined,
      decision.containerCount ? this.containerCount.check(decision.containerCount) : undefined,
    ]);
    const denial = answers.find((answer) => answer !== undefined);
    if (!denial) return decision;
    if (!forwardsInDryRun(this.policy.policyOptions, denial)) return denial;
    return decision.wouldDeny ? decision : { ...decision, wouldDeny: denial };
  }
}
