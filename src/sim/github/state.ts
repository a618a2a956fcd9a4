// The emulator's state per repository: git data, refs, issues and pull requests
// (one number sequence), comments, labels, collaborators, branch protection.
import { GitStore, type Person } from './git.js';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface PullData {
  headRef: string;
  /** Frozen when the pull request is merged or its branch deleted. */
  headSha: string;
  baseRef: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  maintainerCanModify: boolean;
  /** Enabled through GraphQL's enablePullRequestAutoMerge. */
  autoMerge?: { method: 'merge' | 'squash' | 'rebase'; enabledBy: string };
}

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: number;
  pull?: PullData;
  /** Pinned to the repository's issue list (GraphQL pinIssue); GitHub pins at most 3. */
  pinned?: boolean;
}

export interface Comment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface Protection {
  /** Answer a merge with this 405 message. */
  mergeBlockedMessage: string;
}

export interface Clock {
  now(): number;
}

/** A clock the test moves; by default it follows real time. */
export class EmulatorClock implements Clock {
  private offset = 0;
  private frozen: number | undefined;
  private source: (() => number) | undefined;
  now(): number {
    return (this.frozen ?? this.source?.() ?? Date.now()) + this.offset;
  }
  /** Follows another clock (a rehearsal's cluster): one simulated time for both. */
  follow(source: () => number): void {
    this.source = source;
    this.frozen = undefined;
    this.offset = 0;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
  set(date: Date | number): void {
    this.frozen = typeof date === 'number' ? date : date.getTime();
    this.offset = 0;
  }
  iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

let nextId = 1000;
export const newId = (): number => nextId++;

export class RepoState {
  readonly id = newId();
  readonly git = new GitStore();
  readonly refs = new Map<string, string>();
  readonly issues = new Map<number, Issue>();
  readonly comments = new Map<number, Comment>();
  readonly labels = new Map<string, Label>();
  readonly collaborators = new Map<string, Permission>();
  /** The owner organisation's teams: slug → members' logins. */
  readonly teams = new Map<string, Set<string>>();
  /** Reactions on issue comments: comment id → [login, content]. */
  readonly reactions = new Map<number, { login: string; content: string }[]>();
  /** repository_dispatch events received, oldest first (GitHub would start workflows with them). */
  readonly dispatches: {
    eventType: string;
    clientPayload: Record<string, unknown>;
    /** The login of the token that sent it (a GitHub App's `<slug>[bot]`, a person, …). */
    sender: string;
  }[] = [];
  readonly protections = new Map<string, Protection>();
  deleteBranchOnMerge = false;
  /** The repository setting "Allow auto-merge". */
  allowAutoMerge = false;
  private lastNumber = 0;
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly clock: EmulatorClock;
  readonly visibility: 'public' | 'private';

  constructor(
    owner: string,
    name: string,
    defaultBranch: string,
    clock: EmulatorClock,
    visibility: 'public' | 'private' = 'private',
  ) {
    this.owner = owner;
    this.name = name;
    this.defaultBranch = defaultBranch;
    this.clock = clock;
    this.visibility = visibility;
    const tree = this.git.setPath(this.git.writeTree([]), 'README.md', {
      mode: '100644',
      type: 'blob',
      sha: this.git.writeBlob(Buffer.from(`# ${name}\n`)),
    });
    const sha = this.git.writeCommit({
      tree,
      parents: [],
      message: 'Initial commit',
      author: this.person('octocat'),
      committer: this.person('octocat'),
    });
    this.refs.set(`refs/heads/${defaultBranch}`, sha);
    this.collaborators.set(owner, 'admin');
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  person(login: string): Person {
    return { name: login, email: `${login}@users.noreply.github.com`, date: this.clock.iso() };
  }

  nextNumber(): number {
    return ++this.lastNumber;
  }

  label(name: string): Label | undefined {
    return this.labels.get(name.toLowerCase());
  }

  /** Creates a repository label if missing, as adding an unknown label to an issue does. */
  ensureLabel(name: string): Label {
    const existing = this.label(name);
    if (existing) return existing;
    const label: Label = { id: newId(), name, color: 'ededed', description: null, default: false };
    this.labels.set(name.toLowerCase(), label);
    return label;
  }

  /** A branch name, a `heads/`/`tags/` ref, or a commit sha, to a commit sha. */
  resolve(ref: string): string | undefined {
    for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`, ref]) {
      const sha = this.refs.get(candidate);
      if (sha) return sha;
    }
    return this.git.commits.has(ref) ? ref : undefined;
  }

  /** Commits a change to a branch's tip: the one way contents-API writes advance a branch. */
  commitOnBranch(branch: string, tree: string, message: string, login: string): string {
    const ref = `refs/heads/${branch}`;
    const parent = this.refs.get(ref);
    const sha = this.git.writeCommit({
      tree,
      parents: parent ? [parent] : [],
      message,
      author: this.person(login),
      committer: this.person(login),
    });
    this.refs.set(ref, sha);
    return sha;
  }

  /** Writes a file on a branch directly, for test setup. */
  seedFile(branch: string, path: string, content: string, message = `Add ${path}`): string {
    const tip = this.refs.get(`refs/heads/${branch}`);
    if (!tip) throw new Error(`no branch ${branch}`);
    const tree = this.git.setPath(this.git.commits.get(tip)!.tree, path, {
      mode: '100644',
      type: 'blob',
      sha: this.git.writeBlob(Buffer.from(content)),
    });
    return this.commitOnBranch(branch, tree, message, 'octocat');
  }

  /** The text of a file on a branch (or at a sha), for test assertions. */
  readFile(ref: string, path: string): string | undefined {
    const sha = this.resolve(ref);
    const commit = sha ? this.git.commits.get(sha) : undefined;
    const entry = commit ? this.git.lookup(commit.tree, path) : undefined;
    return entry?.type === 'blob' ? this.git.blobs.get(entry.sha)?.toString('utf8') : undefined;
  }

  openIssues(): Issue[] {
    return [...this.issues.values()].filter((i) => i.state === 'open' && !i.pull);
  }

  openPulls(): Issue[] {
    return [...this.issues.values()].filter((i) => i.state === 'open' && i.pull);
  }

  commentsOn(number: number): Comment[] {
    return [...this.comments.values()].filter((c) => c.issueNumber === number);
  }
}
