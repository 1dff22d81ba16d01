import { createHash } from 'node:crypto';

/** Longest path, and longest single message, an audit row keeps (in UTF-16 units, ≈ bytes for a request target). */
export const MAX_AUDIT_PATH = 1024;
export const MAX_AUDIT_MESSAGE = 1024;

export interface BoundedFields {
  readonly path: string;
  readonly messages: string[];
  /** sha256 (hex) of the whole path, when the stored one was cut. */
  readonly pathSha256: string | null;
  /** sha256 (hex) of the JSON array of the whole messages, when one of them was cut. */
  readonly messagesSha256: string | null;
  readonly truncated: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A client chooses the path (query string included) and, through the values a
 * denial quotes, part of every message: unbounded, each denied request could
 * store kilobytes. The stored text is cut; the hash of the whole still
 * identifies the exact request (compare it with a proxy or client log).
 */
export function boundFields(path: string, messages: readonly string[]): BoundedFields {
  const pathCut = path.length > MAX_AUDIT_PATH;
  const messagesCut = messages.some((m) => m.length > MAX_AUDIT_MESSAGE);
  return {
    path: cut(path, MAX_AUDIT_PATH),
    messages: messages.map((m) => cut(m, MAX_AUDIT_MESSAGE)),
    pathSha256: pathCut ? sha256(path) : null,
    messagesSha256: messagesCut ? sha256(JSON.stringify(messages)) : null,
    truncated: pathCut || messagesCut,
  };
}
