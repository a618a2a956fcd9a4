// The incident's record as GitHub holds it: the YAML file on the incident pull request's
// branch (PR mode), or the block in the issue's body (issue mode). Read by the stages
// that honour slash commands, and updated by them.
import type { Controls } from '../incidents/controls.js';
import { codeBlock } from '../incidents/markdown.js';
import {
  displayRecord,
  parseRecord,
  recordFromBody,
  serialiseRecord,
  type IncidentRecord,
} from '../incidents/record.js';
import type { CommentTarget } from './comments.js';

type Stored = Omit<IncidentRecord, 'incident'> & { incident?: IncidentRecord['incident'] };

/** The incident's record, or undefined when it holds none. */
export async function readRecord(gh: CommentTarget): Promise<Stored | undefined> {
  const { octokit, owner, repo, number } = gh;
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
  if (issue.pull_request) {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    return (await recordFile(gh, pull.head.ref))?.record;
  }
  return recordFromBody(issue.body ?? '');
}

/**
 * Changes the record's controls: on the incident branch's record file (compare-and-swap
 * on the blob sha, retried on a conflict) or in the issue's body. Answers false when the
 * incident holds no record.
 */
export async function updateControls(
  gh: CommentTarget,
  change: (controls: Controls | undefined) => Controls,
  message: string,
): Promise<boolean> {
  const { octokit, owner, repo, number } = gh;
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
  if (issue.pull_request) {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    const branch = pull.head.ref;
    for (let attempt = 0; attempt < 4; attempt++) {
      const found = await recordFile(gh, branch);
      if (!found) return false;
      const next = { ...found.record, controls: change(found.record.controls) };
      try {
        await octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: found.path,
          branch,
          sha: found.sha,
          message,
          content: Buffer.from(serialiseRecord(next)).toString('base64'),
        });
        return true;
      } catch (error) {
        // Someone else wrote the record (a repeat of the alert): read it again.
        if (![409, 422].includes((error as { status?: number }).status ?? 0)) throw error;
      }
    }
    throw new Error(`the record of #${number} kept changing; run the command again`);
  }
  const body = issue.body ?? '';
  const record = recordFromBody(body);
  if (!record) return false;
  const next = { ...record, controls: change(record.controls) };
  const rewritten = replaceRecordBlock(body, displayRecord({ ...next, incident: null }));
  if (rewritten === undefined) return false;
  await octokit.rest.issues.update({ owner, repo, issue_number: number, body: rewritten });
  return true;
}

async function recordFile(
  gh: CommentTarget,
  branch: string,
): Promise<
  { path: string; sha: string; record: NonNullable<ReturnType<typeof parseRecord>> } | undefined
> {
  const { octokit, owner, repo, number } = gh;
  const { data: head } = await octokit.rest.repos.getBranch({ owner, repo, branch });
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: head.commit.sha,
    recursive: 'true',
  });
  const candidates = tree.tree.filter(
    (e) => e.type === 'blob' && e.path?.startsWith('alerts/incoming/') && e.path.endsWith('.yaml'),
  );
  let only:
    { path: string; sha: string; record: NonNullable<ReturnType<typeof parseRecord>> } | undefined;
  for (const entry of candidates.slice(0, 50)) {
    const { data: blob } = await octokit.rest.git.getBlob({
      owner,
      repo,
      file_sha: entry.sha ?? '',
    });
    const record = parseRecord(Buffer.from(blob.content, 'base64').toString('utf8'));
    if (!record) continue;
    const found = { path: entry.path ?? '', sha: entry.sha ?? '', record };
    if (record.incident?.number === number) return found;
    only = candidates.length === 1 ? found : only;
  }
  return only;
}

/** The issue body with its record block replaced; undefined when it has none. */
function replaceRecordBlock(body: string, yaml: string): string | undefined {
  const lines = body.split('\n');
  const start = lines.indexOf('<details><summary>Incident record</summary>');
  if (start < 0) return undefined;
  const open = lines.findIndex((l, i) => i > start && /^`{3,}/.test(l));
  if (open < 0) return undefined;
  const fence = /^(`{3,})/.exec(lines[open] ?? '')?.[1] ?? '```';
  const close = lines.findIndex((l, i) => i > open && l.trim() === fence);
  if (close < 0) return undefined;
  return [...lines.slice(0, open), codeBlock(yaml, 20_000, 'yaml'), ...lines.slice(close + 1)].join(
    '\n',
  );
}
