import { IncomingMessage } from 'node:http';
import { deny, PolicyDenial } from '@dind/policy';
import { bodyTimeoutRefusal } from '../limits/body-idle';
import { limitDenial } from '../limits/client-limits';

/**
 * Reads a body that must be validated, up to `limit` bytes and within
 * `timeoutMs`. Chunked and Content-Length bodies end up the same bytes here, so
 * they are judged alike.
 */
export function readJsonBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer | PolicyDenial> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(tooLarge(limit));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: Buffer | PolicyDenial) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Drained, not kept: the answer must still reach the client.
        req.resume();
        return settle(tooLarge(limit));
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    const onFailure = () => settle({ status: 400, rule: 'body.framing', reason: 'the body ended early', field: '(body)' });
    const timer = setTimeout(() => settle(limitDenial(bodyTimeoutRefusal(timeoutMs))), timeoutMs);
    req.on('data', onData).once('end', onEnd).once('error', onFailure).once('close', onFailure);
  });
}

function tooLarge(limit: number): PolicyDenial {
  return { ...deny('body.size', `a validated JSON body may be at most ${limit} bytes`, '(body)'), status: 413 };
}
