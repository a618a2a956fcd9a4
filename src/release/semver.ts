// Release versions as semver 2.0.0 says: MAJOR.MINOR.PATCH, an optional -prerelease, no
// leading zeros, and precedence with prerelease identifiers compared field by field.
// Build metadata (+build) is refused: npm drops it and a git tag would differ from the
// package's version for the same release.
import { showValue, UsageError } from '../shared/errors.js';

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** The prerelease identifiers (`rc.1` → ['rc', '1']); empty for a release. */
  prerelease: string[];
  /** MAJOR.MINOR.PATCH[-prerelease], without a `v`. */
  text: string;
}

const NUMBER = '0|[1-9]\\d*';
const IDENTIFIER = `(?:${NUMBER}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(${IDENTIFIER}(?:\\.${IDENTIFIER})*))?$`,
);
/** Longer than any sane version; a bound for what goes into tags and messages. */
const MAX_LENGTH = 64;

export const VERSION_RULE =
  'allowed: MAJOR.MINOR.PATCH with an optional -prerelease (semver 2.0.0: 1.2.3, 1.2.3-rc.1; no leading zeros, no +build, an optional leading v)';

/** The version, or undefined when the text is not one (a `v` prefix is allowed). */
export function parseVersion(text: string): Version | undefined {
  const bare = text.startsWith('v') ? text.slice(1) : text;
  if (bare.length > MAX_LENGTH) return undefined;
  const match = SEMVER.exec(bare);
  if (!match) return undefined;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  return { major, minor, patch, prerelease: match[4] ? match[4].split('.') : [], text: bare };
}

/** The version, or a one-line error naming it and what is allowed. */
export function requireVersion(text: string): Version {
  const version = parseVersion(text);
  if (!version)
    throw new UsageError(`version ${showValue(text)} is not a release version; ${VERSION_RULE}`);
  return version;
}

/** Semver precedence: negative when a comes before b, 0 when equal, positive after. */
export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  // A release ranks above its prereleases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (xn !== yn) {
      return xn ? -1 : 1; // numeric identifiers rank below alphanumeric ones
    } else if (x !== y) {
      return x < y ? -1 : 1; // ASCII order
    }
  }
  return 0;
}

/** The release tags among a repository's tags (`vX.Y.Z[-pre]`); moving tags like `v1` are not. */
export function releaseTags(tags: readonly string[]): Version[] {
  return tags
    .filter((tag) => tag.startsWith('v'))
    .map((tag) => parseVersion(tag))
    .filter((v): v is Version => v !== undefined)
    .sort(compareVersions);
}
