import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const BUSYBOX = '/bin/busybox';

/**
 * A root filesystem tarball holding busybox-static and a link per applet: a
 * complete userland without any registry (none is reachable here).
 */
export function buildBusyboxRootfs(workDir: string): string {
  const root = join(workDir, 'rootfs');
  for (const dir of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(root, dir), { recursive: true });
  execFileSync('cp', [BUSYBOX, join(root, 'bin', 'busybox')]);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  }
  const tarball = join(workDir, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
  return tarball;
}
