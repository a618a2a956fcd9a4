// The incident's record as GitHub holds it: the YAML file on the incident's branch, in
// both modes (issue mode also shows it in the issue's body). Read by the stages that
// honour slash commands, and updated by them.
import { identityOfRecord, recordPathOf } from '../alerts/identity.js';
import type { Controls } from './controls.js';
import { codeBlock } from './markdown.js';
import {
  displayRecord,
  parseRecord,
  recordFromBody,
  recordBlock,
  serialiseRecord,
  type IncidentRecord,
} from './record.js';
import type { CommentTarget } from '../github/comments.js';
import { statusOf } from '../github/errors.js';

type Stored = Omit<IncidentRecord, 'incident'> & { incident?: IncidentRecord['incident'] };
type Found = { path: string; sha: string; branch: string; record: IncidentRecord };

/**
 * The incident's record: the record file on its branch, the source of truth in both
 * modes (issue mode presents it in the issue's body, and each repeat re-renders the body
 * from the file); an issue whose branch is gone falls back to its body.
 */
export async function readRecord(gh: CommentTarget): Promise<Stored | undefined> {
  const { issue, file } = await locate(gh);
  return file?.record ?? (issue.pull_request ? undefined : recordFromBody(issue.body ?? ''));
}

/**
 * Changes the record's controls on the incident branch's record file (compare-and-swap
 * on the blob sha, retried on a conflict) and, for an issue, in its body too, so neither
 * the next repeat (which renders the body from the file) nor a reader loses them.
 * Answers false when the incident holds no record.
 */
export async function updateControls(
  gh: CommentTarget,
  change: (controls: Controls | undefined) => Controls,
  message: string,
): Promise<boolean> {
  const { octokit, owner, repo, number } = gh;
  const located = await locate(gh);
  const { issue } = located;
  let { file } = located;
  let written: Stored | undefined;
  for (let attempt = 0; file && !written; attempt++) {
    const next = { ...file.record, controls: change(file.record.controls) };
    try {
      await octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: file.path,
        branch: file.branch,
        sha: file.sha,
        message,
        content: Buffer.from(serialiseRecord(next)).toString('base64'),
      });
      written = next;
    } catch (error) {
      // Someone else wrote the record (a repeat of the alert): read it again.
      if (![409, 422].includes(statusOf(error) ?? 0)) throw error;
      if (attempt >= 3)
        throw new Error(`the record of #${number} kept changing; run the command again`, {
          cause: error,
        });
      file = await recordFile(gh, file.branch);
    }
  }
  if (issue.pull_request) return written !== undefined;
  const body = issue.body ?? '';
  const shown = recordFromBody(body);
  const next = written ?? (shown ? { ...shown, controls: change(shown.controls) } : undefined);
  if (!next) return false;
  const rewritten = replaceRecordBlock(body, displayRecord({ ...next, incident: null }));
  if (rewritten === undefined) return written !== undefined;
  await octokit.rest.issues.update({ owner, repo, issue_number: number, body: rewritten });
  return true;
}

/** The incident (pull request or issue) and its record file, when its branch holds one. */
async function locate(gh: CommentTarget) {
  const { octokit, owner, repo, number } = gh;
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
  // Both modes show the record in the body, and it names the branch: a pull request is
  // read a second time only when its body lost the record. recordFile checks the number.
  const shown = recordFromBody(issue.body ?? '');
  let branch = shown ? identityOfRecord(shown).branch : undefined;
  if (!branch && issue.pull_request) {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    branch = pull.head.ref;
  }
  return { issue, file: branch ? await recordFile(gh, branch) : undefined };
}

/**
 * The record file an incident branch names, when it belongs to incident `number`: after
 * a merge and a recurrence the same branch may carry a later incident's record.
 */
async function recordFile(gh: CommentTarget, branch: string): Promise<Found | undefined> {
  const { octokit, owner, repo, number } = gh;
  const path = recordPathOf(branch);
  if (!path) return undefined;
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner, repo, path, ref: branch }));
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  const file = data as { type?: string; sha?: string; content?: string };
  if (file.type !== 'file' || !file.sha || file.content === undefined) return undefined;
  const record = parseRecord(Buffer.from(file.content, 'base64').toString('utf8'));
  if (record?.incident?.number !== number) return undefined;
  return { path, sha: file.sha, branch, record };
}

/** The issue body with its record block replaced; undefined when it has none. */
function replaceRecordBlock(body: string, yaml: string): string | undefined {
  const block = recordBlock(body);
  if (!block) return undefined;
  const { open, close } = block;
  const lines = body.split('\n');
  return [...lines.slice(0, open), codeBlock(yaml, 20_000, 'yaml'), ...lines.slice(close + 1)].join(
    '\n',
  );
}
