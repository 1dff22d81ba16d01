import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeneratedContext, withHosts } from '../../../../../test/support/build-context-generator';
import { predictBuild } from '../../../../../test/support/build-prediction';
import { tarArchive } from '../../../../../test/support/tar-writer';

/**
 * Every counter-example the differential test found against dockerd 20.10
 * (test/e2e/build-differential.e2e-spec.ts), replayed without the daemon: the
 * daemon dialled `dialled` when it built the context, so the inspector must
 * predict that host or refuse the context. The e2e spec replays the same
 * file against the real daemon.
 */
interface Found {
  readonly found: string;
  readonly dialled: readonly number[];
  readonly context: GeneratedContext;
}

const found = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures', 'build-differential', 'found.json'), 'utf8')) as Found[];
const hosts = Array.from({ length: 6 }, (_x, i) => `127.0.0.1:${5000 + i}`);

describe('counter-examples found by the build differential test', () => {
  it.each(found.map((f) => [f.found, f] as const))('%s: the host the daemon dialled is predicted, or the context refused', async (_name, { context, dialled }) => {
    const filled = withHosts(context, hosts);
    const prediction = await predictBuild(tarArchive(filled.entries), filled.dockerfile, filled.buildArgs);
    if ('refused' in prediction) return;
    for (const index of dialled) expect([...prediction.hosts]).toContain(hosts[index]);
  });
});
