// A git object store with git's own hashing (so blob shas are what `git hash-object`
// prints), and the tree operations the REST API needs: read a path, write a path,
// list a directory, walk history.
import { createHash } from 'node:crypto';

export type Mode = '100644' | '100755' | '040000' | '160000' | '120000';

export interface TreeEntry {
  name: string;
  mode: Mode;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface Person {
  name: string;
  email: string;
  date: string;
}

export interface Commit {
  tree: string;
  parents: string[];
  message: string;
  author: Person;
  committer: Person;
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>([[EMPTY_TREE, []]]);
  readonly commits = new Map<string, Commit>();

  static readonly emptyTree = EMPTY_TREE;

  private hash(type: string, body: Buffer): string {
    return createHash('sha1')
      .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
      .digest('hex');
  }

  writeBlob(content: Buffer): string {
    const sha = this.hash('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  writeTree(entries: TreeEntry[]): string {
    // git orders entries by name, comparing a tree's name as if it ended in '/'.
    const key = (e: TreeEntry): string => (e.type === 'tree' ? `${e.name}/` : e.name);
    const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const body = Buffer.concat(
      sorted.map((e) =>
        Buffer.concat([
          Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`),
          Buffer.from(e.sha, 'hex'),
        ]),
      ),
    );
    const sha = this.hash('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  writeCommit(commit: Commit): string {
    const stamp = (p: Person): string =>
      `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
    const text = [
      `tree ${commit.tree}`,
      ...commit.parents.map((p) => `parent ${p}`),
      `author ${stamp(commit.author)}`,
      `committer ${stamp(commit.committer)}`,
      '',
      commit.message,
    ].join('\n');
    const sha = this.hash('commit', Buffer.from(text));
    this.commits.set(sha, commit);
    return sha;
  }

  /** The entry at `path` in a tree, or undefined. */
  lookup(treeSha: string, path: string): TreeEntry | undefined {
    const parts = splitPath(path);
    let tree = this.trees.get(treeSha);
    let entry: TreeEntry | undefined;
    for (const [i, part] of parts.entries()) {
      entry = tree?.find((e) => e.name === part);
      if (!entry) return undefined;
      if (i < parts.length - 1) {
        if (entry.type !== 'tree') return undefined;
        tree = this.trees.get(entry.sha);
      }
    }
    return entry;
  }

  /** A new tree with `path` set to `entry` (or removed when entry is null); parent trees are made as needed. */
  setPath(treeSha: string, path: string, entry: Omit<TreeEntry, 'name'> | null): string {
    const parts = splitPath(path);
    const [head, ...rest] = parts;
    if (head === undefined) throw new Error('empty path');
    const entries = [...(this.trees.get(treeSha) ?? [])];
    const index = entries.findIndex((e) => e.name === head);
    if (rest.length === 0) {
      if (index >= 0) entries.splice(index, 1);
      if (entry) entries.push({ ...entry, name: head });
    } else {
      const existing = index >= 0 ? entries[index] : undefined;
      const childTree = existing?.type === 'tree' ? existing.sha : EMPTY_TREE;
      const child = this.setPath(childTree, rest.join('/'), entry);
      if (index >= 0) entries.splice(index, 1);
      if (child !== EMPTY_TREE)
        entries.push({ name: head, mode: '040000', type: 'tree', sha: child });
    }
    return this.writeTree(entries);
  }

  /** Every file below a tree, by full path. */
  files(treeSha: string, prefix = ''): Map<string, TreeEntry> {
    const out = new Map<string, TreeEntry>();
    for (const e of this.trees.get(treeSha) ?? []) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.type === 'tree') for (const [p, f] of this.files(e.sha, path)) out.set(p, f);
      else out.set(path, e);
    }
    return out;
  }

  /** True when `ancestor` is reachable from `sha` through parents (a commit is its own ancestor). */
  isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (current === ancestor) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      stack.push(...(this.commits.get(current)?.parents ?? []));
    }
    return false;
  }

  /** The nearest common ancestor of two commits (breadth-first from `a`). */
  mergeBase(a: string, b: string): string | undefined {
    const queue = [a];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current)) continue;
      seen.add(current);
      if (this.isAncestor(current, b)) return current;
      queue.push(...(this.commits.get(current)?.parents ?? []));
    }
    return undefined;
  }
}

/** Splits a repository path; `..`, empty and `.` segments are not paths GitHub accepts. */
export function splitPath(path: string): string[] {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new InvalidPathError(path);
  }
  return parts;
}

export class InvalidPathError extends Error {}
