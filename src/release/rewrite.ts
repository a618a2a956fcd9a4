// Pins a workflow file's references to kubemend's own actions and reusable workflows to a
// release: `uses: kubemend/kubemend/actions/intake@v0` becomes
// `uses: kubemend/kubemend/actions/intake@<40-hex sha> # v1.2.3`, as GitHub's hardening
// guide advises and as Dependabot reads a pin. Line by line on `uses:` keys, so every other
// byte (comments, quoting, line endings, a `uses:` inside a comment) stays as it was; a
// file rewritten for one release is rewritten again for the next.
//
// Actions and workflows take different commits: the release's files reference the
// actions at the commit the release was cut from (its action.yml and dist/), and a
// template references the reusable workflow at the commit whose copy of it is already
// pinned (docs/development.md, Releasing). Without a workflow sha, workflow references
// are left as they are.
import { showValue, UsageError } from '../shared/errors.js';
import type { Version } from './semver.js';

export type ReferenceKind = 'action' | 'workflow';

/** `uses:` of kubemend's root action, one of its actions, or one of its reusable workflows. */
const USES_LINE =
  /^(\s*(?:-\s+)?uses:\s*)(['"]?)(kubemend\/kubemend(\/actions\/[a-z0-9-]+|\/\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml)?)@([^\s'"#]+)\2([ \t]*)(#.*)?$/;

const SHA = /^[0-9a-f]{40}$/;

export interface PinTo {
  version: Version;
  /** The commit kubemend's actions are pinned to. */
  actions: string;
  /** The commit kubemend's reusable workflows are pinned to; undefined: left as they are. */
  workflows?: string;
}

export function requireSha(sha: string, what = 'sha'): string {
  if (!SHA.test(sha))
    throw new UsageError(
      `${what} ${showValue(sha)} is not a commit; allowed: 40 lowercase hex digits`,
    );
  return sha;
}

function kindOf(path: string | undefined): ReferenceKind {
  return path?.startsWith('/.github/') ? 'workflow' : 'action';
}

/** The comment of a pinned line: the version, then what the line said before (a version gone). */
function comment(version: Version, old: string | undefined): string {
  let rest = (old ?? '').replace(/^#\s*/, '').trim();
  // A version the line was pinned to (`v1`, `v1.2.2`, `1.2.2-rc.1`), not a bare number.
  rest = rest
    .replace(/^(?:v\d+(?:\.\d+){0,2}|\d+\.\d+(?:\.\d+)?)(?:-[0-9A-Za-z.-]+)?(?=\s|$)/, '')
    .trim();
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  return `# v${version.text}${rest ? ` (${rest})` : ''}`;
}

/** The references to kubemend's own actions and workflows in a file, by kind. */
export function countReferences(text: string): Record<ReferenceKind, number> {
  const counts = { action: 0, workflow: 0 };
  for (const line of text.split('\n')) {
    const match = USES_LINE.exec(line.replace(/\r$/, ''));
    if (match) counts[kindOf(match[4])]++;
  }
  return counts;
}

/** The file with its references pinned; every other line byte for byte. */
export function rewriteReferences(text: string, to: PinTo): string {
  requireSha(to.actions, 'actions sha');
  if (to.workflows !== undefined) requireSha(to.workflows, 'workflows sha');
  return text
    .split('\n')
    .map((raw) => {
      const cr = raw.endsWith('\r') ? '\r' : '';
      const line = cr ? raw.slice(0, -1) : raw;
      const match = USES_LINE.exec(line);
      if (!match) return raw;
      const [, key, quote = '', name, path, , space, old] = match;
      const sha = kindOf(path) === 'workflow' ? to.workflows : to.actions;
      if (sha === undefined) return raw;
      return `${key}${quote}${name}@${sha}${quote}${space || ' '}${comment(to.version, old)}${cr}`;
    })
    .join('\n');
}
