import { ServerResponse } from 'node:http';

/**
 * Holds something until the response closes. A check that ran while the
 * client left finds the response closed already, and 'close' will not come
 * again: then it is released at once.
 */
export function releaseOnClose(res: ServerResponse, release: () => void): void {
  if (res.closed) release();
  else res.once('close', release);
}
