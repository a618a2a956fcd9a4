import { UsageError, getErrorMessage, oneLine } from '../../src/shared/errors.js';
import { showValue } from '../../src/shared/errors.js';
import { workspacePathInput } from '../../src/actions/inputs.js';
import {
  clusterNameInput,
  issueNumberInput,
  labelsInput,
  refNameInput,
} from '../../src/actions/name-inputs.js';

function withInput<T>(name: string, value: string, read: () => T): T {
  const key = `INPUT_${name.toUpperCase()}`;
  process.env[key] = value;
  try {
    return read();
  } finally {
    delete process.env[key];
  }
}

const errorOf = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return getErrorMessage(error);
  }
  throw new Error('expected a UsageError');
};

describe('input values in error messages', () => {
  it('are quoted, bounded and show control characters', () => {
    expect(showValue('a\u0000b\n')).toBe('"a\\u0000b\\n"');
    expect(showValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
  });

  it('errors are collapsed to one line', () => {
    expect(oneLine('first\n  second\r\nthird')).toBe('first second third');
    expect(getErrorMessage({ code: 1 })).toBe('{"code":1}');
  });
});

describe('workspace paths', () => {
  it.each(['.github/kubemend.yml', 'config/kubemend.yaml', 'a/./b'])('accepts %s', (path) => {
    expect(withInput('config', path, () => workspacePathInput('config', 'x'))).toBe(path);
  });

  it.each(['/etc/passwd', '../x', 'a/../../x', 'a\\..\\..\\x', 'C:\\x', 'a\u0000b'])(
    'refuses %j',
    (path) => {
      expect(
        errorOf(() => withInput('config', path, () => workspacePathInput('config', 'x'))),
      ).toMatch(
        /^Input 'config' is .*; allowed: a path relative to the workspace, without '\.\.'\.$/,
      );
    },
  );

  it('falls back to the default when empty', () => {
    expect(workspacePathInput('config', '.github/kubemend.yml')).toBe('.github/kubemend.yml');
  });
});

describe('names that end up in branches and labels', () => {
  it.each(['homelab', 'prod-eu-1', 'k3s.home', 'a'])('cluster %s is accepted', (name) => {
    expect(withInput('cluster', name, () => clusterNameInput('cluster'))).toBe(name);
  });

  it.each(['-lead', 'trail-', 'has space', 'a/b', 'x'.repeat(64), 'ünïcode', 'a\nb'])(
    'cluster %j is refused',
    (name) => {
      expect(errorOf(() => withInput('cluster', name, () => clusterNameInput('cluster')))).toMatch(
        /^Input 'cluster' is /,
      );
    },
  );

  it.each(['main', 'release/1.2', 'env/prod_eu'])('branch %s is accepted', (name) => {
    expect(withInput('base', name, () => refNameInput('base'))).toBe(name);
  });

  it.each(['a..b', '/main', 'main/', 'x.lock', 'a/.hidden', 'a//b', 'main;id', '$(id)', 'a b'])(
    'branch %j is refused',
    (name) => {
      expect(errorOf(() => withInput('base', name, () => refNameInput('base')))).toMatch(
        /^Input 'base' is .*; allowed: a branch name/,
      );
    },
  );

  it('labels split on commas and new lines, trimmed and without repeats', () => {
    expect(withInput('labels', 'team/sre, p1\np1\n\n', () => labelsInput('labels'))).toEqual([
      'team/sre',
      'p1',
    ]);
  });

  it('issue numbers are positive 32-bit integers', () => {
    expect(withInput('n', '42', () => issueNumberInput('n'))).toBe(42);
    expect(issueNumberInput('n', 7)).toBe(7);
    for (const bad of ['0', '-1', '1.5', '2147483648', '0x10', '12abc']) {
      expect(errorOf(() => withInput('n', bad, () => issueNumberInput('n')))).toMatch(
        /allowed: an issue or pull request number\.$/,
      );
    }
  });
});
