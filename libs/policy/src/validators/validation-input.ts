import { PolicyDenial } from '../policy-denial';
import { HeaderValue } from '../policy-request';
import { RouteRow } from '../routes/route-table';
import type { ContainerReference } from '../rules/container-reference';
import type { DialTarget } from '../rules/dial-target';
import type { NetworkReference } from '../rules/network-reference';
import type { VolumeReference } from '../rules/volume-reference';
import type { OwnedObject } from '../ownership/owned-object';
import { RuleContext } from '../rules/field-rule';

export interface ValidationInput {
  readonly route: RouteRow;
  /** The API version the daemon will apply (the request's, or the negotiated one). */
  readonly apiVersion: string;
  readonly apiMinor: number;
  readonly params: Readonly<Record<string, string>>;
  readonly query: ReadonlyMap<string, readonly string[]>;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The strictly parsed JSON body of a json route; undefined when none was sent. */
  readonly body?: unknown;
  readonly context: RuleContext;
  /** Ownership mode only: the requester's identity, the owner label of what the request creates. */
  readonly owner?: string;
}

/**
 * What to forward (a canonical body, if any) and/or why not. A rule denial may
 * come with the canonical body, which dry-run mode forwards; a denial without
 * one (the body could not be read unambiguously) is final in any mode.
 */
export interface ValidationOutcome {
  readonly body?: Record<string, unknown>;
  readonly denial?: PolicyDenial;
  /** Containers the request borrows from; the transport inspects them before forwarding. */
  readonly containerReferences?: readonly ContainerReference[];
  /** Hosts the daemon will dial; the transport resolves and checks them before forwarding. */
  readonly dialTargets?: readonly DialTarget[];
  /** Named volumes the request mounts; the transport inspects them before forwarding. */
  readonly volumeReferences?: readonly VolumeReference[];
  /** Networks the request attaches to; the transport resolves them on the daemon before forwarding. */
  readonly networkReferences?: readonly NetworkReference[];
  /** Body keys the daemon's decoder maps to no field: dropped, never forwarded (dotted paths). */
  readonly droppedFields?: readonly string[];
  /** A classic build whose context is the body: how its Dockerfile is read as it streams. */
  readonly buildContext?: BuildContextReading;
  /** Ownership mode: objects the body names (a create's image, a connect's container), checked like the path's. */
  readonly ownedObjects?: readonly OwnedObject[];
  /** Query parameters forwarded with these values instead (a build's labels with the owner's; an import's changes with its LABEL). */
  readonly queryOverrides?: Readonly<Record<string, string | readonly string[]>>;
}

/** What the build context inspector needs from the query: the Dockerfile's name and the build args it may use. */
export interface BuildContextReading {
  readonly dockerfile?: string;
  readonly buildArgs: Readonly<Record<string, string | null>>;
  /** Ownership mode: the requester, whose the images the Dockerfile reads must be (or shared). */
  readonly owner?: string;
}

export type Validator = (input: ValidationInput) => ValidationOutcome;

export const refuse = (denial: PolicyDenial | undefined, body?: Record<string, unknown>): ValidationOutcome =>
  denial ? { denial, body } : { body };
