import { DockerfileRefusal, dockerfileDialTargets } from '@dind/policy';
import { BuildContextInspector, MAX_DOCKERFILE_BYTES } from '../../apps/proxy/src/docker-api/build-context/build-context.inspector';

/** "Refuse" (with why), or the hosts the daemon may dial. */
export type Prediction = { readonly refused: string } | { readonly hosts: ReadonlySet<string> };

/**
 * What the proxy decides for a build context, computed in-process with the
 * functions it uses: the context inspector, with the Dockerfile reader as its
 * check (the dial-target policy left out, so the hosts themselves are seen).
 */
export async function predictBuild(body: Buffer, dockerfile: string | undefined, buildArgs: Readonly<Record<string, string>> | undefined): Promise<Prediction> {
  let hosts: string[] | undefined;
  let refused: string | undefined;
  const inspector = new BuildContextInspector({
    dockerfile,
    maxDockerfileBytes: MAX_DOCKERFILE_BYTES,
    check: async (entry) => {
      try {
        hosts = dockerfileDialTargets(entry.content.toString('utf8'), { buildArgs, name: entry.name }).map((target) => target.host);
      } catch (error) {
        if (!(error instanceof DockerfileRefusal)) throw error;
        refused = `${error.rule}: ${error.message}`;
      }
      return undefined;
    },
  });
  inspector.on('denied', (denial: { reason: string }) => (refused ??= `build.context: ${denial.reason}`));
  inspector.resume();
  await new Promise<void>((resolve, reject) => {
    inspector.on('end', resolve);
    inspector.on('error', reject);
    inspector.end(body);
  });
  if (refused !== undefined) return { refused };
  if (hosts === undefined) return { refused: 'no decision' };
  return { hosts: new Set(hosts) };
}
