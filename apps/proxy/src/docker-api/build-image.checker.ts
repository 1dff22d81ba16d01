import { Injectable } from '@nestjs/common';
import { buildImageObjects, deny, DockerfileImage, DockerfileRefusal, OwnedObject, PolicyDenial, readDockerfile } from '@dind/policy';
import { OwnershipChecker } from './ownership.checker';

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

  async check(images: readonly DockerfileImage[], owner: string): Promise<PolicyDenial | undefined> {
    const objects = buildImageObjects(images, owner);
    if (!Array.isArray(objects)) return objects;
    const bases = new Set(images.filter((image) => image.base).map((image) => image.reference));
    const triggers: Trigger[] = [];
    const collectTriggers = (object: OwnedObject, body: unknown) => {
      if (!bases.has(object.ref)) return;
      const onBuild = (body as { Config?: { OnBuild?: unknown } | null }).Config?.OnBuild;
      if (Array.isArray(onBuild)) for (const text of onBuild) triggers.push({ image: object.ref, text: String(text) });
    };
    const denial = await this.ownership.check(objects, undefined, collectTriggers);
    if (denial || triggers.length === 0) return denial;
    const triggered = triggerImages(triggers, owner);
    return Array.isArray(triggered) ? this.ownership.check(triggered) : triggered;
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
