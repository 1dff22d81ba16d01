import { PolicyDenial } from './policy-denial';
import type { ContainerCountCheck } from './rules/container-count';
import type { ContainerReference } from './rules/container-reference';
import type { DialTarget } from './rules/dial-target';
import type { NetworkReference } from './rules/network-reference';
import type { OwnedObject } from './ownership/owned-object';
import type { OwnerView } from './ownership/owner-view';
import type { VolumeReference } from './rules/volume-reference';
import { RouteRow } from './routes/route-table';
import type { BuildContextReading } from './validators/validation-input';

export type HeaderValue = string | string[] | undefined;

/** What the transport knows about a request; the policy never sees a socket. */
export interface PolicyRequest {
  readonly method: string;
  /** The raw request target, exactly as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** Present only for routes whose body is read whole (`body: 'json'`). */
  readonly body?: Buffer;
  /** The client's identity (its name); the owner of what it creates when the `ownership` option is on. */
  readonly client?: string;
}

export interface AllowedRequest {
  readonly allowed: true;
  readonly route: RouteRow;
  readonly apiVersion: string;
  readonly params: Readonly<Record<string, string>>;
  /** Versioned path and re-encoded query to send upstream. */
  readonly upstreamUrl: string;
  /** The canonical body to send instead of the client's bytes (json routes). */
  readonly body?: Buffer;
  /** Body keys the daemon would map to no field: not forwarded; the audit record lists them. */
  readonly droppedFields?: readonly string[];
  /** Dry-run mode: the denial this request would have had. */
  readonly wouldDeny?: PolicyDenial;
  /** Hosts the daemon will dial for this request; the transport resolves and checks them before forwarding. */
  readonly dialTargets?: readonly DialTarget[];
  /** Containers the request borrows from; the transport inspects each and asks `checkReferencedContainer`. */
  readonly containerReferences?: readonly ContainerReference[];
  /** Named volumes the request mounts; the transport inspects each and asks `checkReferencedVolume`. */
  readonly volumeReferences?: readonly VolumeReference[];
  /** Networks the request attaches to; the transport resolves each on the daemon and asks `checkReferencedNetwork`. */
  readonly networkReferences?: readonly NetworkReference[];
  /** Would add a container or a running one: the transport lists the daemon's containers and asks `checkContainerCount`. */
  readonly containerCount?: ContainerCountCheck;
  /** A classic build whose context is the body: the transport reads its Dockerfile with these as it streams. */
  readonly buildContext?: BuildContextReading;
  /** Ownership mode: objects the request acts on or uses; the transport inspects each and asks `checkOwnedObject`. */
  readonly ownedObjects?: readonly OwnedObject[];
  /** Ownership mode: the daemon's answer is a list the transport narrows with `ownerVisible` before the client sees it. */
  readonly ownerView?: { readonly view: OwnerView; readonly owner: string };
  /** Ownership mode, an image delete: the names the inspected image held (the delete moves them). */
  readonly removedImageNames?: readonly string[];
  /** Ownership mode, a load: the transport reads the image archive as it streams and asks `imageLoadRequest`. */
  readonly imageLoad?: { readonly owner: string };
}

export interface DeniedRequest {
  readonly allowed: false;
  readonly route?: RouteRow;
  readonly apiVersion?: string;
  readonly denial: PolicyDenial;
}

export type PolicyDecision = AllowedRequest | DeniedRequest;
