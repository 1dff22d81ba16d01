import { deny, PolicyDenial } from '../policy-denial';
import { OWNER_LABEL, OWNERSHIP_RULE } from './owner-label';

/** What a request can act on by name or ID. An exec session is its container's. */
export type OwnedKind = 'container' | 'exec' | 'volume' | 'network' | 'image';

/**
 * An object a request acts on or uses, to be inspected on the daemon and
 * compared with the requester (ownership mode only). The policy cannot see the
 * daemon; the transport inspects and asks `checkOwnedObject`.
 */
export interface OwnedObject {
  readonly kind: OwnedKind;
  /** The name, ID or ID prefix the daemon resolves. */
  readonly ref: string;
  /** Where the request named it ('path.id', 'query.container', 'Image'). */
  readonly field: string;
  /** The requester's identity. */
  readonly owner: string;
  /**
   * What a 404 from the daemon's inspect means. 'not-found': the request is
   * answered 404 by the proxy, not forwarded (forwarded, it would act on an
   * object of that name created by another client in the meantime). 'go-on': the
   * request may proceed (a create's image: the daemon answers 404 itself, and
   * the CLI pulls).
   */
  readonly ifMissing: 'not-found' | 'go-on';
  /** A shared object is not enough (see RouteRow.owns). */
  readonly mustOwn?: true;
  /** Why not, when it is shared. */
  readonly sharedReason?: string;
}

// The daemon makes these networks itself, unlabelled, for everyone.
const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

type Labelled = { Name?: unknown; Labels?: unknown; Config?: { Labels?: unknown } | null; RepoTags?: unknown; RepoDigests?: unknown };

/**
 * Whether an image has a name of its own. Old API versions list an untagged
 * image as `<none>:<none>` (and `<none>@<none>`).
 */
export function isNamedImage(entry: { RepoTags?: unknown; RepoDigests?: unknown } | null | undefined): boolean {
  const names = [entry?.RepoTags, entry?.RepoDigests].flatMap((list) => (Array.isArray(list) ? list : []));
  return names.some((name) => typeof name === 'string' && name !== '' && !name.startsWith('<none>'));
}

/**
 * Where an object stands for the requester, from its labels (and a network's
 * name). Unlabelled images (pulled, loaded, imported, BuildKit builds: the proxy
 * cannot label them) and the daemon's predefined networks are shared; any other
 * unlabelled object did not come from a client of this service in ownership
 * mode, and is nobody's to use (fail closed).
 */
export function ownerStanding(kind: OwnedKind, labels: unknown, name: unknown, owner: string, namedImage = true): 'mine' | 'shared' | 'unowned' | 'another' {
  const label = labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? (labels as Record<string, unknown>)[OWNER_LABEL] : undefined;
  if (label === undefined) {
    // A classic build's step and stage images carry no label (the daemon adds
    // the build's labels to its last step only) and no name: sharing them would
    // hand every client another's build, layer by layer. Only named images are shared.
    if (kind === 'image') return namedImage ? 'shared' : 'unowned';
    if (kind === 'network' && typeof name === 'string' && PREDEFINED_NETWORKS.has(name)) return 'shared';
    return 'unowned';
  }
  return label === owner ? 'mine' : 'another';
}

/**
 * Whether the requester may use an object, as the daemon's inspect reports it:
 * its own and shared objects, yes; another client's, refused without saying
 * whose; an unowned one, refused.
 */
export function checkOwnedObject(object: OwnedObject, inspected: unknown): PolicyDenial | undefined {
  // What is not an inspect answer was not checked.
  if (inspected === null || typeof inspected !== 'object' || Array.isArray(inspected)) {
    return ownershipRefusal(object, `the daemon's answer for ${object.kind} ${JSON.stringify(object.ref)} does not describe it`);
  }
  const answer = inspected as Labelled;
  const labels = object.kind === 'container' || object.kind === 'image' ? answer.Config?.Labels : answer.Labels;
  const what = `${object.kind} ${JSON.stringify(object.ref)}`;
  switch (ownerStanding(object.kind, labels, answer.Name, object.owner, object.kind !== 'image' || isNamedImage(answer))) {
    case 'mine':
      return undefined;
    case 'shared':
      return object.mustOwn ? ownershipRefusal(object, `${what} is shared; ${object.sharedReason ?? `this request may act only on the requester's own ${object.kind}s`}`) : undefined;
    case 'unowned':
      return ownershipRefusal(object, `${what} has no owner: only objects a client created through dind-service can be used`);
    case 'another':
      return ownershipRefusal(object, `${what} belongs to another client`);
  }
}

export const ownershipRefusal = (object: OwnedObject, reason: string): PolicyDenial => deny(OWNERSHIP_RULE, reason, object.field, object.ref);

/** The daemon has no such object: said as the daemon would, with a 404. */
export const notFoundRefusal = (object: OwnedObject): PolicyDenial => ({ ...ownershipRefusal(object, `no such ${object.kind}`), status: 404 });
