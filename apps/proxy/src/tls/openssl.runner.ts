import { execFile } from 'node:child_process';

/**
 * The `openssl` command, behind one seam. Certificates are made by the tool
 * operators already know (and docker:dind uses), not by a JavaScript X.509
 * implementation in the service's own process.
 */
export class OpensslRunner {
  constructor(private readonly command = 'openssl') {}

  /** Runs `openssl args…` with `input` on stdin; resolves to stdout, rejects with stderr. */
  run(args: readonly string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(this.command, [...args], { maxBuffer: 1 << 20, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error, stdout, stderr) => {
        if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
      child.stdin?.end(input ?? '');
    });
  }
}
