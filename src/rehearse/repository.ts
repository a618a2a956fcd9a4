// The simulated repository a rehearsal starts from: the user's GitOps files on the default
// branch, their config as .github/kubemend.yml, and, unless they bring their own
// workflows, the shipped templates a user who followed the quick start copied. Also the
// checkout a workflow run sees: the default branch's files in a folder of their own.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { RepoState } from '../sim/github/state.js';
import type { Rehearsal } from './file.js';

/** Where the quick start puts each template, and which templates a story's workflow choice installs. */
export const TEMPLATE_PATHS = {
  'alert-intake.yml': '.github/workflows/kubemend-alerts.yml',
  'all-in-one.yml': '.github/workflows/kubemend-alerts.yml',
  'cluster-doctor.yml': '.github/workflows/kubemend-doctor.yml',
  'sweep.yml': '.github/workflows/kubemend-sweep.yml',
} as const;

/** Every file of a folder, by path relative to it, with `/` separators. */
export function filesOf(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (name === '.git') continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(folder, full).split('\\').join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(folder);
  return out;
}

/** The files the default branch starts with. */
export function initialFiles(rehearsal: Rehearsal, templatesDir: string): Map<string, string> {
  const files = rehearsal.gitops ? filesOf(rehearsal.gitops) : new Map<string, string>();
  if (rehearsal.config) files.set('.github/kubemend.yml', readFileSync(rehearsal.config, 'utf8'));
  const ownWorkflows = [...files.keys()].some((p) => p.startsWith('.github/workflows/'));
  // A caller workflow of the user's own, somewhere in gitops/, is their alert workflow.
  const caller = rehearsal.workflow;
  if (caller !== 'reusable' && caller !== 'all-in-one') {
    const path = caller.replace(/^\.?\/+/, '');
    if (!path.startsWith('.github/workflows/')) {
      const text = files.get(path);
      if (text !== undefined)
        files.set(`.github/workflows/${path.split('/').pop() ?? 'kubemend.yml'}`, text);
    }
    if (!ownWorkflows)
      files.set(
        TEMPLATE_PATHS['cluster-doctor.yml'],
        readFileSync(join(templatesDir, 'cluster-doctor.yml'), 'utf8'),
      );
    return files;
  }
  if (!ownWorkflows) {
    const alerts = rehearsal.workflow === 'all-in-one' ? 'all-in-one.yml' : 'alert-intake.yml';
    for (const template of [alerts, 'cluster-doctor.yml', 'sweep.yml'] as const) {
      const text = readFileSync(join(templatesDir, template), 'utf8');
      files.set(
        TEMPLATE_PATHS[template],
        template === alerts ? withIncidentMode(text, rehearsal.incidentMode) : text,
      );
    }
  }
  return files;
}

/**
 * The alerts template as a user who wants issues edits it: `incident-mode: issue` in the
 * step's or the reusable call's `with:`. The default (pr) leaves the file as shipped.
 */
function withIncidentMode(text: string, mode: 'pr' | 'issue'): string {
  if (mode === 'pr') return text;
  const doc = parseDocument(text);
  const jobs = doc.get('jobs') as { items: { value: unknown }[] } | undefined;
  for (const { value: job } of jobs?.items ?? []) {
    const node = job as { get(k: string): unknown; setIn(path: string[], v: unknown): void };
    if (node.get('uses')) node.setIn(['with', 'incident-mode'], mode);
    const steps = node.get('steps') as
      { items: { get(k: string): unknown; setIn(p: string[], v: unknown): void }[] } | undefined;
    for (const step of steps?.items ?? [])
      if (String(step.get('uses') ?? '').startsWith('kubemend/kubemend@'))
        step.setIn(['with', 'incident-mode'], mode);
  }
  return doc.toString();
}

/** Writes the files as one commit on the default branch, by the repository's owner. */
export function seedRepository(repo: RepoState, branch: string, files: Map<string, string>): void {
  let tree = repo.git.commits.get(repo.resolve(branch) as string)?.tree as string;
  for (const [path, content] of files)
    tree = repo.git.setPath(tree, path, {
      mode: '100644',
      type: 'blob',
      sha: repo.git.writeBlob(Buffer.from(content)),
    });
  repo.commitOnBranch(branch, tree, 'The GitOps repository, as the rehearsal gives it', repo.owner);
}

/** The branch's files in a new folder, as actions/checkout leaves them. */
export function checkout(repo: RepoState, branch: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-checkout-'));
  const sha = repo.resolve(branch);
  const tree = sha ? repo.git.commits.get(sha)?.tree : undefined;
  if (!tree) return dir;
  for (const [path, entry] of repo.git.files(tree)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, repo.git.blobs.get(entry.sha) ?? Buffer.alloc(0));
  }
  return dir;
}
