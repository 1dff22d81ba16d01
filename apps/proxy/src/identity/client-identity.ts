import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * Who a connection belongs to.
 * - TLS: the verified client certificate's subject CN, then its SANs
 *   (`CN=runner-7,DNS:runner-7.ci`). The certificate was checked against the
 *   CA during the handshake; nothing the client says after it counts.
 * - Plain TCP: the peer's address (without its port: one host is one client).
 * - Unix socket: one client, `unix-socket`. Node has no API for SO_PEERCRED,
 *   /proc/net/unix does not say which socket is whose peer, and a client in
 *   another container (the usual way the socket is shared) has a pid this
 *   namespace cannot see; the socket's file mode decides who may connect.
 */
export interface ClientIdentity {
  /** What limits count by, the audit filter matches and denials name. */
  readonly name: string;
  /** The name and the connection's address, as records and log lines show it. */
  readonly label: string;
}

const IDENTITY = Symbol('dind.client-identity');
type WithIdentity = Socket & { [IDENTITY]?: ClientIdentity };

// A certificate's names end up in JSON logs, audit rows and error messages; a
// CA may sign anything, so control characters and overlong names stop here.
const MAX_NAME = 200;
// Escaped, never replaced: two names must not become one (ownership compares
// them). A backslash, a comma, a plus and anything outside printable ASCII are
// written as \u{hex}, so a CN cannot imitate a SAN list or two CNs.
const escaped = (text: string) => Array.from(text, (char) => (/^[\x20-\x7e]$/.test(char) && !'\\,+'.includes(char) ? char : `\\u{${char.codePointAt(0)!.toString(16)}}`)).join('');

/** The identity of a connection, computed once per socket. */
export function clientIdentityOf(socket: Socket): ClientIdentity {
  const holder = socket as WithIdentity;
  holder[IDENTITY] ??= identify(socket);
  return holder[IDENTITY];
}

function identify(socket: Socket): ClientIdentity {
  const { remoteAddress, remotePort } = socket;
  if (!remoteAddress) return { name: 'unix-socket', label: 'unix-socket' };
  const address = `${remoteAddress}:${remotePort}`;
  if (socket instanceof TLSSocket && socket.authorized) {
    const name = certificateName(socket);
    return { name, label: `${name}@${address}` };
  }
  return { name: remoteAddress, label: address };
}

/** `CN=<cn>` followed by the SANs, `,`-separated; a certificate without either is named by its fingerprint. */
export function certificateName(socket: TLSSocket): string {
  const cert = socket.getPeerCertificate();
  const cn = cert.subject?.CN;
  const parts = [
    ...(cn === undefined ? [] : [(Array.isArray(cn) ? cn : [cn]).map(escaped).join('+')].map((value) => `CN=${value}`)),
    ...(cert.subjectaltname ?? '')
      .split(/,\s*/)
      .filter(Boolean)
      .map((san) => escaped(san.replace(/^IP Address:/, 'IP:'))),
  ];
  const fingerprint = `SHA256=${cert.fingerprint256 ?? 'unknown'}`;
  const name = parts.length > 0 ? parts.join(',') : fingerprint;
  // Cut, two long names could become one: the certificate's fingerprint names it instead.
  return name.length <= MAX_NAME ? name : fingerprint;
}
