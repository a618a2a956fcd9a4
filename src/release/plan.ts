// What a release of a version does, decided from the repository alone (offline): the
// version checked against semver and the existing tags, the tags it creates and moves,
// the shipped workflow files whose references to kubemend's own actions and workflows it
// pins, the npm package and the relay image it publishes, and its notes from
// CHANGELOG.md. `npm run release:plan` prints it; the release workflow refuses what it
// refuses (docs/development.md, Releasing).
import { showValue, UsageError } from '../shared/errors.js';
import { releaseNotes } from './changelog.js';
import { countReferences } from './rewrite.js';
import { compareVersions, releaseTags, requireVersion, type Version } from './semver.js';

export type ReleaseKind = 'first' | 'major' | 'minor' | 'patch' | 'prerelease';

/** The files a release pins, by repository path: the reusable workflow and the templates. */
export const REUSABLE_WORKFLOW = '.github/workflows/kubemend.yml';
export const TEMPLATES_DIR = 'workflows-templates';
/** The relay image relay-image.yml pushes: ghcr.io/<owner, lower case>/kubemend-relay. */
const IMAGE_NAME = 'kubemend-relay';

export interface ReleaseInputs {
  /** The version asked for: 1.2.3, 1.2.3-rc.1 (a leading v is allowed). */
  version: string;
  /** Every tag of the repository (`git tag --list 'v*'`). */
  tags: readonly string[];
  /** package.json's text. */
  packageJson: string;
  /** CHANGELOG.md's text. */
  changelog: string;
  /** The reusable workflow and the templates, by repository path, with their text. */
  workflows: Readonly<Record<string, string>>;
}

export interface PinnedFile {
  path: string;
  /** References to kubemend's root action and actions (pinned to the cut commit). */
  actions: number;
  /** References to kubemend's reusable workflows (pinned to the first release commit). */
  workflows: number;
}

export interface ReleasePlan {
  version: Version;
  kind: ReleaseKind;
  /** The newest existing release tag, if any. */
  previous?: string;
  /** The tag created, on the release commit; it never moves. */
  tag: string;
  /** The major tag moved to the release commit (`v1`); none for a prerelease. */
  major?: string;
  files: PinnedFile[];
  npm: { name: string; version: string; distTag: 'latest' | 'next' };
  image: { name: string; tags: string[] };
  notes: string;
}

function kindOf(version: Version, released: Version[]): ReleaseKind {
  if (version.prerelease.length > 0) return 'prerelease';
  // Against the newest release, not a prerelease of this one: 1.3.0 after 1.3.0-rc.1 is a minor.
  const last = released.filter((v) => v.prerelease.length === 0).at(-1);
  if (!last) return 'first';
  if (version.major !== last.major) return 'major';
  if (version.minor !== last.minor) return 'minor';
  return 'patch';
}

function manifest(text: string): { name: string; version: string; owner: string } {
  let json: { name?: unknown; version?: unknown; repository?: { url?: unknown } | string };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new UsageError('package.json is not valid JSON');
  }
  const url = typeof json.repository === 'string' ? json.repository : json.repository?.url;
  // github.com/<owner>/… in a URL, or npm's shorthands github:<owner>/<name> and <owner>/<name>.
  const owner =
    typeof url === 'string'
      ? (/github\.com[/:]([^/]+)\//.exec(url) ?? /^(?:github:)?([\w-]+)\/[\w.-]+$/.exec(url))?.[1]
      : undefined;
  if (typeof json.name !== 'string' || typeof json.version !== 'string' || !owner)
    throw new UsageError(
      'package.json needs a name, a version and a GitHub repository.url (github.com/<owner>/<name>)',
    );
  return { name: json.name, version: json.version, owner };
}

/** The relay image's tags, as relay-image.yml's metadata-action makes them for a version. */
function imageTags(version: Version): string[] {
  // A prerelease gets only its own tag; 0.x gets no major tag (0.x minors may break);
  // metadata-action's latest=auto adds `latest` for every release.
  if (version.prerelease.length > 0) return [version.text];
  return [
    version.text,
    `${version.major}.${version.minor}`,
    ...(version.major > 0 ? [`${version.major}`] : []),
    'latest',
  ];
}

export function planRelease(inputs: ReleaseInputs): ReleasePlan {
  const version = requireVersion(inputs.version);
  const existing = releaseTags(inputs.tags);
  const newest = existing.at(-1);
  if (newest && compareVersions(version, newest) <= 0)
    throw new UsageError(
      compareVersions(version, newest) === 0
        ? `version ${version.text}: the tag v${version.text} already exists; a release is never re-tagged, release a greater version`
        : `version ${version.text} is not greater than the newest release tag v${newest.text}; allowed: a version after it`,
    );
  const pkg = manifest(inputs.packageJson);
  if (pkg.version !== version.text)
    throw new UsageError(
      `package.json's version is ${showValue(pkg.version)}, not ${version.text}; commit "npm version --no-git-tag-version ${version.text}" with dist/ rebuilt (the CLI bundles its version) first`,
    );
  const notes = releaseNotes(inputs.changelog, version);
  const files = Object.entries(inputs.workflows)
    .map(([path, text]) => {
      const counts = countReferences(text);
      return { path, actions: counts.action, workflows: counts.workflow };
    })
    .filter((f) => f.actions + f.workflows > 0)
    .sort((a, b) => a.path.localeCompare(b.path));
  if (!files.some((f) => f.path === REUSABLE_WORKFLOW && f.actions > 0))
    throw new UsageError(
      `${REUSABLE_WORKFLOW} references none of kubemend's actions; a release pins them, so it must be there`,
    );
  const prerelease = version.prerelease.length > 0;
  const previous = newest ? `v${newest.text}` : undefined;
  return {
    version,
    kind: kindOf(version, existing),
    ...(previous ? { previous } : {}),
    tag: `v${version.text}`,
    ...(prerelease ? {} : { major: `v${version.major}` }),
    files,
    npm: { name: pkg.name, version: version.text, distTag: prerelease ? 'next' : 'latest' },
    image: { name: `ghcr.io/${pkg.owner.toLowerCase()}/${IMAGE_NAME}`, tags: imageTags(version) },
    notes,
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The plan as `npm run release:plan` prints it. */
export function formatPlan(plan: ReleasePlan): string {
  const { version } = plan;
  const lines = [
    `release ${version.text} (${plan.kind}${plan.previous ? `, after ${plan.previous}` : ''})`,
    '',
    'tags',
    `  create ${plan.tag} on the release commit (never moved)`,
    plan.major ? `  move   ${plan.major} to it` : `  no major tag moves (a prerelease)`,
    '',
    "files pinned (references to kubemend's own actions and workflows → @<sha> # " + `${plan.tag})`,
    ...plan.files.map(
      (f) =>
        `  ${f.path}: ` +
        [
          f.actions > 0 ? `${plural(f.actions, 'reference')} to actions` : '',
          f.workflows > 0 ? `${plural(f.workflows, 'reference')} to the reusable workflow` : '',
        ]
          .filter(Boolean)
          .join(', '),
    ),
    '  commit 1: actions → the commit the release is cut from',
    '  commit 2: reusable workflow references → commit 1 (the release tag names commit 2)',
    '',
    `npm     ${plan.npm.name}@${plan.npm.version} (dist-tag ${plan.npm.distTag}, with provenance)`,
    `image   ${plan.image.name}: ${plan.image.tags.join(', ')} (linux/amd64, linux/arm64; signed, with provenance)`,
    `release ${plan.tag} on GitHub${version.prerelease.length > 0 ? ', marked prerelease' : ''}, notes from CHANGELOG.md:`,
    '',
    ...plan.notes.split('\n').map((line) => (line ? `  ${line}` : '')),
  ];
  return `${lines.join('\n')}\n`;
}
