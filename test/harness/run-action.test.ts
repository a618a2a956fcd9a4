import { runAction } from '../../src/rehearse/action.js';

const fixture = 'test/fixtures/echo-action';

describe('the action harness', () => {
  it('gives inputs as INPUT_ variables with action.yml defaults, like the runner', async () => {
    const run = await runAction(fixture, {
      inputs: { 'spaced name': 'ok' },
      githubToken: 'ghs_abc123',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.greeting).toBe('hello');
    expect(run.outputs.spaced).toBe('ok');
    expect(run.masks).toEqual(['ghs_abc123']);
  });

  it('parses multi-line outputs, the summary, the event and annotations with their properties', async () => {
    const run = await runAction(fixture, {
      inputs: { greeting: 'hi' },
      event: { name: 'issues', payload: { action: 'labeled' } },
    });
    expect(run.outputs).toMatchObject({
      greeting: 'hi',
      multi: 'line one\nline two\n::not-a-command::',
      event: 'issues:labeled',
      'cwd-is-workspace': 'true',
    });
    expect(run.summary).toContain('<h1>Summary</h1>');
    expect(run.annotations).toEqual([
      {
        level: 'warning',
        message: 'disk 100% full, really: yes',
        properties: { file: 'a,b.yml', line: '3', title: 'x:y' },
      },
      { level: 'notice', message: 'two\nlines', properties: {} },
    ]);
    expect(run.logLines).toEqual(['plain log line']);
  });

  it('reports the exit code of a failing action', async () => {
    const run = await runAction(fixture, { inputs: { greeting: 'fail' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.at(-1)).toMatchObject({ level: 'error', message: 'asked to fail' });
  });

  it('sets no defaults when asked to run the file as a person would', async () => {
    const run = await runAction(fixture, { applyDefaults: false });
    expect(run.outputs.greeting).toBe('');
  });
});
