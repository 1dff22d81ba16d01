import { logicalLines, splitCommand } from '../build/dockerfile-syntax';
import { deny, PolicyDenial } from '../policy-denial';
import { OWNER_LABEL, OWNERSHIP_RULE } from './owner-label';

/**
 * A `LABEL` change (commit, import) that could set the owner label: one that
 * names it, however quoted or escaped, or one with a `$`, since the daemon
 * expands variables in LABEL from the image's environment, which the same
 * request may set (`ENV K=dind-service.owner` then `LABEL $K=someone`).
 * Changes are applied after a commit's body, so this is the last word on the
 * image's labels. Read with both escape characters, as `checkImageChanges` does.
 */
export function forgedOwnerChange(changes: readonly string[] | undefined): PolicyDenial | undefined {
  if (!changes || changes.length === 0) return undefined;
  const text = changes.join('\n');
  for (const escape of ['\\', '`']) {
    for (const { text: line } of logicalLines(text, escape)) {
      if (splitCommand(line).keyword !== 'label') continue;
      const bare = line.replace(/[\\`"']/g, '');
      if (bare.includes(OWNER_LABEL) || line.includes('$')) {
        return deny(OWNERSHIP_RULE, `the label ${OWNER_LABEL} is set by dind-service; a LABEL change may neither name it nor use variables`, 'query.changes', line.trim());
      }
    }
  }
  return undefined;
}

/**
 * The `changes` an import is forwarded with: a LABEL that makes the imported
 * image the requester's, then the client's own. First, so that it is read with
 * the default escape character (a client's `# escape=` line below it is then
 * a comment: its changes were checked with both escape characters). Inside
 * double quotes the daemon's word parser takes `\"`, `\$` and `\\` as escapes
 * and everything else as written. Undefined for an identity on more than one
 * line, which no LABEL can hold.
 */
export function ownerLabelledChanges(changes: readonly string[] | undefined, owner: string): string[] | undefined {
  if (/[\r\n]/.test(owner)) return undefined;
  const quoted = owner.replace(/["$\\]/g, (ch) => `\\${ch}`);
  return [`LABEL "${OWNER_LABEL}"="${quoted}"`, ...(changes ?? [])];
}
