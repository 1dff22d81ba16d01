import { Injectable } from '@nestjs/common';
import { deny, DialTarget, forbiddenHostReason, PolicyDenial } from '@dind/policy';

/**
 * Checks the hosts a request makes the daemon dial. For now: as written (the
 * same check the policy makes); resolving names is issue 5's next step.
 */
@Injectable()
export class DialTargetChecker {
  async check(targets: readonly DialTarget[]): Promise<PolicyDenial | undefined> {
    for (const target of targets) {
      const reason = forbiddenHostReason(target.host);
      if (reason) return deny('remote-address', reason, target.field, target.value);
    }
    return undefined;
  }
}
