import { deny, PolicyDenial } from '@dind/policy';
import { HeldTarStream, HOLD_BACK_BYTES } from '../tar-inspection/held-tar.stream';
import { DockerfileEntry, normalizeEntryName, TarScanner } from './tar-scanner';

export { HOLD_BACK_BYTES };

/** Decides on the Dockerfile the build will read; undefined allows it. */
export type DockerfileCheck = (dockerfile: DockerfileEntry) => Promise<PolicyDenial | undefined>;

export interface BuildContextInspectorOptions {
  /** The `dockerfile` query parameter (empty: `Dockerfile`). */
  readonly dockerfile: string | undefined;
  readonly maxDockerfileBytes: number;
  readonly check: DockerfileCheck;
}

/** The largest Dockerfile read; a larger one is refused. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

const refusal = (reason: string) => deny('build.context', reason, 'body');

/** The Dockerfile path the builder reads, then the one it falls back to. */
export function dockerfileNames(query: string | undefined): string[] {
  if (query === undefined || query === '' || query === 'Dockerfile') return ['Dockerfile', 'dockerfile'];
  return [normalizeEntryName(query)];
}

/**
 * A classic build's context on its way to the daemon: its end is held (see
 * HeldTarStream) until the Dockerfile has been read and checked, so the daemon
 * never has a complete context before the decision.
 */
export class BuildContextInspector extends HeldTarStream<TarScanner> {
  constructor(private readonly options: BuildContextInspectorOptions) {
    super(new TarScanner(dockerfileNames(options.dockerfile), options.maxDockerfileBytes), 'build context', refusal);
    // The query was decoded as UTF-8; a replacement character may stand for bytes the daemon reads differently.
    if (options.dockerfile?.includes('\uFFFD')) this.refuse('the dockerfile parameter is not valid UTF-8');
  }

  protected async decision(): Promise<PolicyDenial | undefined> {
    return this.options.check(this.reader.dockerfile());
  }
}
