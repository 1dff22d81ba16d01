import { deny, PolicyDenial } from '../policy-denial';
import { ONBUILD_REASON } from '../rules/onbuild';
import { escapeDirective, logicalLines, splitCommand, UninspectableDockerfile } from './dockerfile-syntax';

/**
 * `changes` of `POST /commit` and `POST /images/create` (import) are Dockerfile
 * lines: the daemon joins them with "\n" and parses the result with the
 * Dockerfile parser (moby builder/dockerfile/builder.go `BuildFromConfig`), so
 * one value may hold several instructions, continue into the next value, or
 * change the escape character with a directive.
 *
 * The daemon accepts these instructions there; ONBUILD is removed from its
 * list here (see rules/onbuild.ts for why).
 */
const CHANGE_INSTRUCTIONS = new Set(['cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'user', 'volume', 'workdir']);

// Any mention of an escape directive: the daemon may then read with `` ` ``.
const ESCAPE_DIRECTIVE_LIKE = /^\s*#\s*escape\s*=/im;

/**
 * The first instruction of `changes` the policy refuses. ONBUILD is looked for
 * with both escape characters (`\` and `` ` ``), so a directive cannot hide one
 * whichever way the daemon settles on it; the daemon's own list of change
 * instructions is applied in the reading(s) it may use.
 */
export function checkImageChanges(changes: readonly string[] | undefined): PolicyDenial | undefined {
  if (!changes || changes.length === 0) return undefined;
  const text = changes.join('\n');
  const directive = ESCAPE_DIRECTIVE_LIKE.test(text) || setsBacktick(text);
  for (const escape of ['\\', '`']) {
    for (const { text: line } of logicalLines(text, escape)) {
      const instruction = line.trim();
      // splitCommand: strings.TrimSpace, reWhitespace, strings.ToLower ("ONBUİLD" is onbuild to Go).
      const { keyword } = splitCommand(line);
      if (keyword === 'onbuild') return deny('onbuild', ONBUILD_REASON, 'query.changes', instruction);
      if ((escape === '\\' || directive) && !CHANGE_INSTRUCTIONS.has(keyword)) {
        return deny('changes', `only ${[...CHANGE_INSTRUCTIONS].map((k) => k.toUpperCase()).join(', ')} may be applied as changes`, 'query.changes', instruction);
      }
    }
  }
  return undefined;
}

/** The daemon's own reading of the directives (U+0085 may precede `# escape=`); an invalid one counts as a directive. */
function setsBacktick(text: string): boolean {
  try {
    return escapeDirective(text) === '`';
  } catch (error) {
    if (error instanceof UninspectableDockerfile) return true;
    throw error;
  }
}
