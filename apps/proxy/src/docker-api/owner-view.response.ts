import { getFromDaemon, UpstreamAddress } from '@dind/daemon';
import { OWNER_LABEL, OwnerView, ownerVisible } from '@dind/policy';
import { IncomingMessage, ServerResponse } from 'node:http';
import { dockerErrorBody, sendDockerError } from './docker-error.response';

/**
 * A list is read whole before it is narrowed, so it is bounded: a daemon with
 * more objects than this answers an error rather than an unfiltered list.
 */
export const MAX_OWNER_VIEW_BYTES = 32 * 1024 * 1024;

/**
 * Ownership mode: sends the daemon's list answer narrowed to what the
 * requester may see (`ownerVisible`). An error answer passes as it is (it
 * lists nothing); an answer that cannot be read or is too large is not passed
 * at all (fail closed).
 */
export async function sendOwnerView(
  proxyRes: IncomingMessage,
  res: ServerResponse,
  { view, owner }: { readonly view: OwnerView; readonly owner: string },
  counted: (bytes: number) => void,
  ownContainers: () => Promise<ReadonlySet<string>>,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of proxyRes) {
    size += (chunk as Buffer).length;
    if (size > MAX_OWNER_VIEW_BYTES) {
      proxyRes.destroy();
      return sendDockerError(res, 502, dockerErrorBody(`dind-service: the daemon's answer is larger than ${MAX_OWNER_VIEW_BYTES} bytes and cannot be filtered by owner; narrow it with filters`));
    }
    chunks.push(chunk as Buffer);
  }
  let body = Buffer.concat(chunks);
  counted(body.length);
  if (proxyRes.statusCode === 200) {
    let answer: unknown;
    try {
      answer = JSON.parse(body.toString('utf8'));
    } catch {
      return sendDockerError(res, 502, dockerErrorBody("dind-service: the daemon's answer could not be read to filter it by owner"));
    }
    let own: ReadonlySet<string> | undefined;
    if (view === 'network') {
      try {
        own = await ownContainers();
      } catch (error) {
        return sendDockerError(res, 502, dockerErrorBody(`dind-service: cannot list the requester's containers to filter the answer by owner (${(error as Error).message})`));
      }
    }
    body = Buffer.from(JSON.stringify(ownerVisible(view, answer, owner, own)));
  }
  const headers = { ...proxyRes.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  res.writeHead(proxyRes.statusCode ?? 502, headers);
  res.end(body);
}

const LIST_TIMEOUT_MS = 5000;

/** The IDs of the requester's containers, as the daemon lists them by the owner label. */
export async function ownContainerIds(upstream: UpstreamAddress, owner: string): Promise<ReadonlySet<string>> {
  const filters = encodeURIComponent(JSON.stringify({ label: { [`${OWNER_LABEL}=${owner}`]: true } }));
  const answer = await getFromDaemon(upstream, `/containers/json?all=1&filters=${filters}`, LIST_TIMEOUT_MS);
  if (answer.status !== 200 || !Array.isArray(answer.body)) throw new Error(`the daemon answered ${answer.status}`);
  return new Set(answer.body.map((container: { Id?: unknown }) => container?.Id).filter((id): id is string => typeof id === 'string'));
}
