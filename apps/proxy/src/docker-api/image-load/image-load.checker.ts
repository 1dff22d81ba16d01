import { Injectable, Logger } from '@nestjs/common';
import { AllowedRequest, deny, ImageArchive, imageLoadRequest, OWNERSHIP_RULE, PolicyDenial } from '@dind/policy';
import { DaemonSideChecks } from '../daemon-side.checks';
import type { NameHold } from '../build-image.checker';

/**
 * Ownership mode, a load: the archive's names and labels (read by the pure
 * policy), then each name on the daemon, through the same path as a `docker
 * tag` target: it may be new or hold the requester's own image, nothing else.
 */
@Injectable()
export class ImageLoadChecker {
  private readonly logger = new Logger('image-load');

  constructor(private readonly daemonSide: DaemonSideChecks) {}

  /** `hold` keeps the names the load sets from being read or moved by others until it ends; asked before they are checked. */
  async check(archive: ImageArchive, decision: AllowedRequest, requestId: string, hold: NameHold): Promise<PolicyDenial | undefined> {
    const owner = decision.imageLoad?.owner;
    // The policy asks for an inspection only with an owner; without one nothing is allowed.
    if (owner === undefined) return deny(OWNERSHIP_RULE, 'the image archive was inspected for no owner', 'body');
    try {
      const request = imageLoadRequest(archive, owner);
      if ('rule' in request) return request;
      if (request.names.length === 0) return undefined;
      const held = hold(request.names.map((name) => name.ref));
      if (held) return held;
      // An ownership refusal is never only recorded (dry-run): settle returns it.
      const settled = await this.daemonSide.settle({ ...decision, ownedObjects: request.names });
      return 'rule' in settled ? settled : undefined;
    } catch (error) {
      this.logger.error({ event: 'image-load-inspection-failed', requestId, error: (error as Error).message });
      return deny(OWNERSHIP_RULE, 'the image archive could not be inspected', 'body');
    }
  }
}
