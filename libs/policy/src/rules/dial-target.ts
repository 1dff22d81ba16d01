/**
 * A host the daemon will connect to because of a request (a registry, an import
 * or remote-context URL, an ADD URL in a build), and where the request named it.
 * The policy checks the name as written; the transport resolves it (DNS is not
 * pure) and checks every address it resolves to.
 */
export interface DialTarget {
  /** Where the request named it, e.g. 'query.fromImage' or 'Dockerfile:3 FROM'. */
  readonly field: string;
  /** The value as the client wrote it, for the denial message. */
  readonly value: string;
  /** host or host:port ([v6]:port), as the daemon will dial it. */
  readonly host: string;
}
