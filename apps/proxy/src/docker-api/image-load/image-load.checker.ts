import { Injectable, Logger } from '@nestjs/common';
import { AllowedRequest, deny, ImageArchive, imageLoadRequest, PolicyDenial } from '@dind/policy';
import { DaemonSideChecks } from '../daemon-side.checks';

/**
 * Ownership mode, a load: the archive's names and labels (read by the pure
 * policy), then each name on the daemon, through the same path as a `docker
 * tag` target: it may be new or hold the requester's own image, nothing else.
 */
@Injectable()
export class ImageLoadChecker {
  private readonly logger = new Logger('image-load');

  constructor(private readonly daemonSide: DaemonSideChecks) {}

  async check(archive: ImageArchive, decision: AllowedRequest, requestId: string): Promise<PolicyDenial | undefined> {
    const owner = decision.imageLoad?.owner;
    // The policy asks for an inspection only with an owner; without one nothing is allowed.
    if (owner === undefined) return deny('ownership', 'the image archive was inspected for no owner', 'body');
    try {
      const request = imageLoadRequest(archive, owner);
      if ('rule' in request) return request;
      if (request.names.length === 0) return undefined;
      // An ownership refusal is never only recorded (dry-run): settle returns it.
      const settled = await this.daemonSide.settle({ ...decision, ownedObjects: request.names });
      return 'rule' in settled ? settled : undefined;
    } catch (error) {
      this.logger.error({ event: 'image-load-inspection-failed', requestId, error: (error as Error).message });
      return deny('ownership', 'the image archive could not be inspected', 'body');
    }
  }
}
