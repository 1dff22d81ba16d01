import { Injectable } from '@nestjs/common';
import { buildImageObjects, deny, OWNERSHIP_RULE, DockerfileImage, DockerfileRefusal, OwnedObject, PolicyDenial, readDockerfile } from '@dind/policy';
import { OwnershipChecker } from './ownership.checker';

/** Holds image names still until the request ends; the denial when one is moving. */
export type NameHold = (references: readonly string[]) => PolicyDenial | undefined;

interface Trigger {
  readonly image: string;
  readonly text: string;
}

/**
 * Ownership mode: the images a classic build reads because of its Dockerfile
 * must be the requester's or shared, like a create's image. A base image's
 * ONBUILD triggers run in the stage built on it, so the images they copy
 * from are checked as well, read from the base image as the daemon inspects it.
 */
@Injectable()
export class BuildImageChecker {
  constructor(private readonly ownership: OwnershipChecker) {}

  /**
   * `hold` keeps the names it is given from moving until the build ends (see
   * ImageNameLocks); it is asked before the names are inspected, so what is
   * inspected is what the build reads.
   */
  async check(images: readonly DockerfileImage[], owner: string, hold: NameHold): Promise<PolicyDenial | undefined> {
    const objects = buildImageObjects(images, owner);
    if (!Array.isArray(objects)) return objects;
    const held = hold(objects.map((object) => object.ref));
    if (held) return held;
    // A base image the daemon pulls runs the triggers the registry sends:
    // FROM --platform pulls a local image of another platform.
    const platformed = images.find((image) => image.base && image.platform !== undefined);
    if (platformed) return deny(OWNERSHIP_RULE, 'a base image named with --platform may be pulled for that platform, and its ONBUILD triggers are not checked; build without --platform', platformed.field, `${platformed.platform} ${platformed.value}`);
    const bases = new Set(images.filter((image) => image.base).map((image) => image.reference));
    const triggers: Trigger[] = [];
    const onDaemon = new Set<string>();
    const collectTriggers = (object: OwnedObject, body: unknown) => {
      if (!bases.has(object.ref)) return;
      onDaemon.add(object.ref);
      const onBuild = (body as { Config?: { OnBuild?: unknown } | null }).Config?.OnBuild;
      if (Array.isArray(onBuild)) for (const text of onBuild) triggers.push({ image: object.ref, text: String(text) });
    };
    const denial = await this.ownership.check(objects, undefined, collectTriggers);
    if (denial) return denial;
    // One that is not on the daemon is pulled by the build, triggers unread.
    const missing = images.find((image) => image.base && !onDaemon.has(image.reference));
    if (missing) return deny(OWNERSHIP_RULE, 'a base image that is not on the daemon is pulled by the build, and its ONBUILD triggers are not checked; pull it first (docker pull)', missing.field, missing.value);
    if (triggers.length === 0) return undefined;
    const triggered = triggerImages(triggers, owner);
    if (!Array.isArray(triggered)) return triggered;
    return hold(triggered.map((object) => object.ref)) ?? this.ownership.check(triggered);
  }
}

/** The daemon parses each trigger as a Dockerfile of its own (dispatchTriggeredOnBuild). */
function triggerImages(triggers: readonly Trigger[], owner: string): OwnedObject[] | PolicyDenial {
  const objects: OwnedObject[] = [];
  for (const trigger of triggers) {
    let images: DockerfileImage[];
    try {
      images = readDockerfile(trigger.text, { name: `${trigger.image} ONBUILD` }).images;
    } catch (error) {
      if (!(error instanceof DockerfileRefusal)) throw error;
      return deny(error.rule, `${error.message} (a trigger of the base image)`, error.field, error.value);
    }
    const triggered = buildImageObjects(images, owner);
    if (!Array.isArray(triggered)) return triggered;
    objects.push(...triggered);
  }
  return objects;
}
