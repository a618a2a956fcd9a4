// CHANGELOG.md as Keep a Changelog 1.1.0 writes it: `## [Unreleased]`, then one
// `## [X.Y.Z] - YYYY-MM-DD` section per release, newest first. A release's notes are its
// section's body, as the GitHub release shows them.
import { UsageError } from '../shared/errors.js';
import type { Version } from './semver.js';

const HEADING = /^## \[([^\]]+)\](?:\s+-\s+(\d{4}-\d{2}-\d{2}))?\s*$/;

export interface ChangelogSection {
  version: string;
  date?: string;
  /** The section's text between its heading and the next `## ` heading, trimmed. */
  body: string;
}

export function changelogSections(text: string): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  let current: (ChangelogSection & { lines: string[] }) | undefined;
  const close = () => {
    if (current)
      sections.push({
        version: current.version,
        ...(current.date ? { date: current.date } : {}),
        body: current.lines.join('\n').trim(),
      });
  };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('## ')) {
      close();
      const match = HEADING.exec(line);
      const [, version, date] = match ?? [];
      current = version ? { version, ...(date ? { date } : {}), body: '', lines: [] } : undefined;
      continue;
    }
    // Link references at the end (`[1.2.3]: https://...`) belong to no section.
    if (current && !/^\[[^\]]+\]:\s/.test(line)) current.lines.push(line);
  }
  close();
  return sections;
}

/** The release notes of a version: its section's body; a one-line error when it has none. */
export function releaseNotes(changelog: string, version: Version): string {
  const section = changelogSections(changelog).find((s) => s.version === version.text);
  if (!section)
    throw new UsageError(
      `CHANGELOG.md has no section for ${version.text}; add "## [${version.text}] - YYYY-MM-DD" under "## [Unreleased]" with the release's changes`,
    );
  if (!section.date)
    throw new UsageError(
      `CHANGELOG.md's section for ${version.text} has no date; write its heading as "## [${version.text}] - YYYY-MM-DD"`,
    );
  if (section.body === '')
    throw new UsageError(
      `CHANGELOG.md's section for ${version.text} is empty; list the release's changes`,
    );
  return section.body;
}
