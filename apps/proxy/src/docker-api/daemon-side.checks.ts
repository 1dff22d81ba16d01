import { Inject, Injectable } from '@nestjs/common';
import { AllowedRequest, DockerPolicy, forwardsInDryRun, OwnedObject, pinnedRequest, PolicyDenial, ResolvedIds } from '@dind/policy';
import { DialTargetChecker } from '../network/dial-target.checker';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { DOCKER_POLICY } from '../core/core.tokens';
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

  /**
   * The decision to forward (in dry-run, with the would-be denial), or the
   * denial. What passed names each inspected container, network, exec session
   * and ID-like image reference by what the inspect resolved it to: forwarded
   * as the client wrote it, a name removed meanwhile would resolve, as an ID
   * prefix, to another client's object.
   */
  async settle(decision: AllowedRequest): Promise<AllowedRequest | PolicyDenial> {
    // Most requests name nothing the daemon must be asked about: they pass
    // as decided, with nothing allocated on the hot path.
    const asks =
      decision.ownedObjects?.length ||
      decision.dialTargets?.length ||
      decision.containerReferences?.length ||
      decision.volumeReferences?.length ||
      decision.networkReferences?.length ||
      decision.containerCount;
    if (!asks) return decision;
    const resolved = new ResolvedIds();
    // Independent questions to the daemon and DNS, asked together: a create
    // that names volumes and networks waits for the slowest, not for the sum.
    // The first denial in this fixed order is the one reported. In ownership
    // mode the volume check creates a missing named volume with the owner
    // label (the daemon would create it unlabelled): it comes last, once
    // every other check has passed.
    const volumesLast = decision.volumeReferences?.some((reference) => reference.owner !== undefined) ?? false;
    const volumes = () => (decision.volumeReferences?.length ? this.volumeReferences.check(decision.volumeReferences) : undefined);
    // An image delete moves every name the image holds, which its inspect tells.
    const removedImageNames: string[] = [];
    const deletesImage = decision.route?.method === 'DELETE' && decision.route?.template === '/images/{name}';
    const collectNames = (object: OwnedObject, body: unknown) => {
      const tags = (body as { RepoTags?: unknown }).RepoTags;
      if (object.field === 'path.name' && Array.isArray(tags)) removedImageNames.push(...tags.filter((tag): tag is string => typeof tag === 'string'));
    };
    const answers = await Promise.all([
      decision.ownedObjects?.length ? this.ownership.check(decision.ownedObjects, resolved, deletesImage ? collectNames : undefined) : undefined,
      decision.dialTargets?.length ? this.dialTargets.check(decision.dialTargets) : undefined,
      decision.containerReferences?.length ? this.containerReferences.check(decision.containerReferences, resolved) : undefined,
      volumesLast ? undefined : volumes(),
      decision.networkReferences?.length ? this.networkReferences.check(decision.networkReferences, resolved) : undefined,
      decision.containerCount ? this.containerCount.check(decision.containerCount) : undefined,
    ]);
    const denial = answers.find((answer) => answer !== undefined) ?? (volumesLast ? await volumes() : undefined);
    const checked = removedImageNames.length > 0 ? { ...decision, removedImageNames } : decision;
    if (!denial) return pinnedRequest(checked, resolved);
    if (!forwardsInDryRun(this.policy.policyOptions, denial)) return denial;
    return pinnedRequest(checked.wouldDeny ? checked : { ...checked, wouldDeny: denial }, resolved);
  }
}
