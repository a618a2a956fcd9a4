// The incident's record as GitHub holds it: the YAML file on the incident's branch, in
// both modes (issue mode also shows it in the issue's body). Read by the stages that
// honour slash commands, and updated by them.
import { identityOfRecord, recordPathOf } from '../alerts/identity.js';
import type { Controls } from './controls.js';
import { codeBlock } from './markdown.js';
import { withStateRow } from './render.js';
import {
  displayRecord,
  parseRecord,
  recordFromBody,
  recordBlock,
  serialiseRecord,
  type IncidentRecord,
} from './record.js';
import type { Octokit } from '../github/client.js';
import type { CommentTarget } from '../github/comments.js';
import { statusOf } from '../github/errors.js';
import { retrying } from '../shared/retry.js';

type Stored = Omit<IncidentRecord, 'incident'> & { incident?: IncidentRecord['incident'] };
export type Found = { path: string; sha: string; branch: string; record: IncidentRecord };

/** The repository holding the record files. */
export interface RecordRepo {
  octokit: Octokit;
  owner: string;
  repo: string;
}

/** A record file as stored: its record (undefined when the file holds none) and blob sha. */
export interface RecordFile {
  record: IncidentRecord | undefined;
  sha: string;
}

/** Rewrites of a record's controls before the command gives up; contention is a repeat or two. */
const CONTROLS_ATTEMPTS = 4;
const CONTROLS_BACKOFF = { baseMs: 100, capMs: 1000 };

/** The file at `path` on `ref`: undefined when there is none, null when the path is not a file. */
export async function readRecordFile(
  gh: RecordRepo,
  path: string,
  ref: string,
): Promise<RecordFile | null | undefined> {
  const { octokit, owner, repo } = gh;
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner, repo, path, ref }));
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  const file = data as { type?: string; content?: string; sha?: string };
  if (file.type !== 'file' || typeof file.content !== 'string' || typeof file.sha !== 'string')
    return null;
  const record = parseRecord(Buffer.from(file.content, 'base64').toString('utf8'));
  return { record, sha: file.sha };
}

/**
 * Writes the record file: a compare-and-swap on the blob `sha`, or a create when there is
 * none. Answers the new blob sha; a lost race surfaces as GitHub's error for the caller
 * to judge.
 */
export async function writeRecordFile(
  gh: RecordRepo,
  at: { path: string; branch: string; sha: string | undefined; message: string },
  record: IncidentRecord,
): Promise<string> {
  const { octokit, owner, repo } = gh;
  const { data } = await octokit.rest.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: at.path,
    branch: at.branch,
    message: at.message,
    content: Buffer.from(serialiseRecord(record)).toString('base64'),
    ...(at.sha ? { sha: at.sha } : {}),
  });
  return data.content?.sha ?? '';
}

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
 * on the blob sha, retried on a conflict) and in the incident's body too, so neither
 * the next repeat (which renders the body from the file), the sweep (which reads bodies)
 * nor a reader loses them. Answers false when the incident holds no record.
 */
export async function updateControls(
  gh: CommentTarget,
  change: (controls: Controls | undefined) => Controls,
  message: string,
  also: <R extends Stored>(record: R) => R = (record) => record,
): Promise<boolean> {
  const { octokit, owner, repo, number } = gh;
  const located = await locate(gh);
  const { issue, file } = located;
  const written = file
    ? await updateRecord(gh, file, (r) => also({ ...r, controls: change(r.controls) }), message)
    : undefined;
  // A pull request's record lives only in its file: without one, its body is not ours to change.
  if (issue.pull_request && !written) return false;
  const body = issue.body ?? '';
  const shown = recordFromBody(body);
  const next =
    written ?? (shown ? also({ ...shown, controls: change(shown.controls) }) : undefined);
  if (!next) return false;
  const before = shown ?? file?.record;
  const block = replaceRecordBlock(body, displayRecord({ ...next, incident: null }));
  const rewritten =
    block !== undefined && before && next.state !== before.state
      ? withStateRow(block, next)
      : block;
  if (rewritten === undefined) return written !== undefined;
  if (issue.pull_request)
    await octokit.rest.pulls.update({ owner, repo, pull_number: number, body: rewritten });
  else await octokit.rest.issues.update({ owner, repo, issue_number: number, body: rewritten });
  return true;
}

/**
 * Applies `change` to the record file by compare-and-swap on its blob sha, reading it
 * again after a lost race (a repeat of the alert wrote meanwhile) and applying `change`
 * to what it reads, so nothing another run wrote is lost. Answers the record written, or
 * undefined when `change` declined or the record is gone.
 */
export async function updateRecord(
  gh: CommentTarget,
  first: Found,
  change: (record: IncidentRecord) => IncidentRecord | undefined,
  message: string,
): Promise<IncidentRecord | undefined> {
  let file: Found | undefined = first;
  return retrying(
    {
      attempts: CONTROLS_ATTEMPTS,
      backoff: CONTROLS_BACKOFF,
      retryable: (error) => [409, 422].includes(statusOf(error) ?? 0),
      exhausted: (last) =>
        new Error(`the record of #${gh.number} kept changing; run the job again`, {
          cause: last,
        }),
    },
    async (attempt) => {
      if (attempt > 1 && file) file = await recordFile(gh, file.branch);
      if (!file) return undefined;
      const next = change(file.record);
      if (!next) return undefined;
      const sha = await writeRecordFile(gh, { ...file, message }, next);
      file = { ...file, sha, record: next };
      return next;
    },
  );
}

/** The incident's record file with the issue or pull request as GitHub answered it. */
export async function incidentRecord(gh: CommentTarget) {
  return locate(gh);
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
 * `resolved`: the one a verified end moved to alerts/resolved/ on the branch (report's
 * finish), which a merged incident's branch keeps.
 */
export async function branchRecord(
  gh: CommentTarget,
  branch: string,
  where: 'incoming' | 'resolved' = 'incoming',
): Promise<Found | undefined> {
  return recordFile(gh, branch, where);
}

async function recordFile(
  gh: CommentTarget,
  branch: string,
  where: 'incoming' | 'resolved' = 'incoming',
): Promise<Found | undefined> {
  const incoming = recordPathOf(branch);
  if (!incoming) return undefined;
  const path =
    where === 'resolved' ? incoming.replace(/^alerts\/incoming\//, 'alerts/resolved/') : incoming;
  const file = await readRecordFile(gh, path, branch);
  const record = file?.record;
  if (!file || !record || record.incident?.number !== gh.number) return undefined;
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
