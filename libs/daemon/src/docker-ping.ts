import { request } from 'node:http';
import { UpstreamAddress } from './upstream-address';

export interface PingResult {
  readonly ok: boolean;
  readonly apiVersion?: string;
  readonly error?: string;
}

/** `GET /_ping` with a deadline; never throws. */
export function pingDaemon(address: UpstreamAddress, timeoutMs: number): Promise<PingResult> {
  return new Promise((resolve) => {
    const req = request({ ...address, path: '/_ping', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const apiVersion = res.headers['api-version'];
      res.on('end', () =>
        resolve({
          ok: res.statusCode === 200,
          apiVersion: typeof apiVersion === 'string' ? apiVersion : undefined,
          error: res.statusCode === 200 ? undefined : `status ${res.statusCode}`,
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, error: error.message }));
    req.end();
  });
}
