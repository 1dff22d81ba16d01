import { PolicyDenial } from '@dind/policy';
import { Transform } from 'node:stream';

/**
 * Writes `body` into an inspecting stream in pieces of the given sizes (the
 * rest in one piece), waiting for each write, then ends it: what the stream
 * let through, and the denial it emitted, if any.
 */
export async function feedInChunks(inspector: Transform, body: Buffer, chunks: readonly number[]): Promise<{ output: Buffer; denial?: PolicyDenial }> {
  const out: Buffer[] = [];
  let denial: PolicyDenial | undefined;
  inspector.on('data', (data: Buffer) => out.push(data));
  inspector.on('denied', (denied: PolicyDenial) => (denial = denied));
  let pos = 0;
  for (const size of chunks) {
    if (pos >= body.length) break;
    const piece = body.subarray(pos, pos + Math.max(1, size));
    pos += piece.length;
    await new Promise<void>((resolve, reject) => inspector.write(piece, (error) => (error ? reject(error) : resolve())));
  }
  if (pos < body.length) await new Promise<void>((resolve) => inspector.write(body.subarray(pos), () => resolve()));
  await new Promise<void>((resolve) => inspector.end(resolve));
  return { output: Buffer.concat(out), ...(denial ? { denial } : {}) };
}
