import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The daemon (Go's resolver) and the proxy (glibc's getaddrinfo) both read the
// machine's /etc/resolv.conf, and both notice when it changes. The rebinding
// test puts its own nameserver first; the machine's own stay behind it, so a
// name the test server refuses still resolves. The original is kept beside the
// run so that the teardown restores it even when the test did not.

const RESOLV_CONF = '/etc/resolv.conf';
const backupOf = (baseDir: string) => join(baseDir, 'resolv.conf.before-test');

export function putNameserverFirst(baseDir: string, address: string): void {
  const original = readFileSync(RESOLV_CONF, 'utf8');
  if (!existsSync(backupOf(baseDir))) writeFileSync(backupOf(baseDir), original);
  const machine = original.split('\n').filter((line) => /^\s*nameserver\s/.test(line));
  // Written in place: the file may be a bind mount, which a rename would not replace.
  writeFileSync(RESOLV_CONF, [`nameserver ${address}`, ...machine.slice(0, 2), 'options timeout:1 attempts:1', ''].join('\n'));
}

export function restoreMachineResolver(baseDir: string): void {
  if (!existsSync(backupOf(baseDir))) return;
  writeFileSync(RESOLV_CONF, readFileSync(backupOf(baseDir)));
  renameSync(backupOf(baseDir), `${backupOf(baseDir)}.restored`);
}
