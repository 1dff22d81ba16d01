import { IncomingMessage } from 'node:http';
import { deny, PolicyDenial } from '@dind/policy';

/**
 * Reads a body that must be validated, up to `limit` bytes. Chunked and
 * Content-Length bodies end up the same bytes here, so they are judged alike.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Buffer | PolicyDenial> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): PolicyDenial {
  return { ...deny('body.size', `a validated JSON body may be at most ${limit} bytes`, '(body)'), status: 413 };
}
