import { deny, PolicyDenial } from '../policy-denial';
import { cacheFromObjects, ownCacheSources } from './build-images';
import { ownerLabelledBuildLabels } from './build-labels';
import { OwnedObject } from './owned-object';
import { OWNERSHIP_RULE } from './owner-label';

type Query = ReadonlyMap<string, readonly string[]>;

export interface OwnedBuild {
  /** The labels with the owner's; a classic build's cache sources when it names none. */
  readonly queryOverrides: Readonly<Record<string, string>>;
  /** Its `cachefrom` images, checked like base images. */
  readonly ownedObjects: readonly OwnedObject[];
}

/**
 * Ownership mode, what a build's query may ask: its image is the requester's
 * (the labels), it names images only with `-t`, it pulls no base image (a
 * pulled one runs ONBUILD triggers the proxy never read), and a classic build
 * reuses only its own cache. Refusals in this order: a forged owner label first.
 */
export function ownedBuild(query: Query, owner: string): OwnedBuild | PolicyDenial {
  const first = (key: string) => query.get(key)?.[0];
  const labels = ownerLabelledBuildLabels(first('labels'), owner);
  if (typeof labels !== 'string') return labels;
  const remote = first('remote');
  if (remote && remote !== 'client-session') {
    return deny(OWNERSHIP_RULE, 'the Dockerfile of a remote build context is not read, so the images the build reads cannot be checked; send the context in the request body', 'query.remote', remote);
  }
  // A BuildKit build's exporter takes its image name from `outputs`, past the `t` check.
  const outputs = first('outputs');
  if (outputs !== undefined && outputs !== '' && namesAnImage(outputs)) {
    return deny(OWNERSHIP_RULE, 'a build\'s outputs may not name an image (it would take the name past the tag check); name it with -t', 'query.outputs', outputs);
  }
  // BuildKit reads cachefrom as registry caches, not local images, and its pulls are its own.
  if (first('version') === '2') return { queryOverrides: { labels }, ownedObjects: [] };
  // pull=1 pulls every base image, and a platform pulls a local base image of
  // another platform (moby GetImageAndReleasableLayer).
  const pull = first('pull');
  if (pull !== undefined && goBoolValue(pull)) {
    return deny(OWNERSHIP_RULE, 'a build that pulls its base images runs ONBUILD triggers that are not checked; pull them first (docker pull), then build without --pull', 'query.pull', pull);
  }
  const platform = first('platform');
  if (platform !== undefined && platform !== '') {
    return deny(OWNERSHIP_RULE, 'a build for a platform may pull a base image of that platform, whose ONBUILD triggers are not checked; build without --platform', 'query.platform', platform);
  }
  const cacheFrom = cacheFromObjects(first('cachefrom'), owner);
  if (!Array.isArray(cacheFrom)) return cacheFrom;
  if (cacheFrom.length > 0) return { queryOverrides: { labels }, ownedObjects: cacheFrom };
  return { queryOverrides: { labels, cachefrom: ownCacheSources(query.get('t') ?? []) }, ownedObjects: [] };
}

/** Whether a build's `outputs` ([{Type, Attrs}]) names an image; what cannot be read is taken to. */
function namesAnImage(outputs: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(outputs);
  } catch {
    return true;
  }
  if (!Array.isArray(parsed)) return true;
  return parsed.some((output) => {
    const attrs = (output as { Attrs?: unknown } | null)?.Attrs;
    if (attrs === undefined || attrs === null) return false;
    if (typeof attrs !== 'object' || Array.isArray(attrs)) return true;
    return Object.keys(attrs).some((key) => key.toLowerCase() === 'name');
  });
}

/**
 * httputils.BoolValue: false for "", "0", "no", "false" and "none" (strings.TrimSpace,
 * strings.ToLower), true for anything else. Only ASCII case and Go's Latin-1
 * spaces are folded here: what else Go trims (and JavaScript's trim differs on,
 * U+FEFF) counts as true, which refuses.
 */
function goBoolValue(value: string): boolean {
  return !/^[\t\n\v\f\r \u0085\u00a0]*(?:|0|no|false|none)[\t\n\v\f\r \u0085\u00a0]*$/i.test(value);
}
