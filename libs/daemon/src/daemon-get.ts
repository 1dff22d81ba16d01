import { request } from 'node:http';
import { UpstreamAddress } from './upstream-address';

export interface DaemonAnswer {
  readonly status: number;
  /** The parsed JSON body; undefined when it was empty or not JSON. */
  readonly body: unknown;
}

/** A GET the service makes of the daemon on its own account (not a client's request), with a deadline. */
export function getFromDaemon(address: UpstreamAddress, path: string, timeoutMs: number): Promise<DaemonAnswer> {
  return askDaemon(address, 'GET', path, undefined, timeoutMs);
}

/** A POST of a JSON body the service makes of the daemon on its own account, with a deadline. */
export function postToDaemon(address: UpstreamAddress, path: string, body: unknown, timeoutMs: number): Promise<DaemonAnswer> {
  return askDaemon(address, 'POST', path, Buffer.from(JSON.stringify(body)), timeoutMs);
}

function askDaemon(address: UpstreamAddress, method: 'GET' | 'POST', path: string, body: Buffer | undefined, timeoutMs: number): Promise<DaemonAnswer> {
  const headers = body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : undefined;
  return new Promise((resolve, reject) => {
    const req = request({ ...address, path, method, headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from the daemon within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
