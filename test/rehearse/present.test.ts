// The story as a terminal shows it: text that came from GitHub or a payload cannot drive
// the terminal (an escape sequence in an alert's title shows as a code, not an action).
import { NO_STYLE, printable, tell } from '../../src/rehearse/present.js';
import type { RehearsalResult, ShownIssue } from '../../src/rehearse/result.js';

const hostile = 'api down\x1b[2J\x1b]0;pwned\x07\r\u2028forged line';
const issue: ShownIssue = {
  number: 1,
  kind: 'issue',
  title: hostile,
  state: 'open',
  labels: [`label${hostile}`],
  body: `<!-- kubemend:incident x -->\n${hostile}`,
  author: 'kubemend-bot',
  comments: [{ author: 'mallory', body: hostile }],
  files: {},
};
const result: RehearsalResult = {
  rehearsal: {
    file: 'r.yaml',
    scenario: 'registry-outage',
    cluster: 'lab',
    clusters: [{ name: 'lab', scenario: 'registry-outage', credentials: true }],
    repository: 'a/b',
  },
  incidents: [issue],
  issues: [issue],
  cluster: { writes: [], pods: [], nodes: [] },
  github: { requests: 0, writes: 0 },
  steps: [
    {
      at: '0s',
      kind: 'comment',
      summary: `mallory comments on #1: ${hostile}`,
      runs: [],
      workflowRuns: 0,
      github: { requests: 0, writes: 0 },
      cluster: { writes: [] },
    },
  ],
  expectations: [{ ok: false, path: 'incident.title.contain[x]', message: hostile }],
  ok: false,
};

describe('the told story', () => {
  it('shows control characters from GitHub and payloads as codes, never as themselves', () => {
    const text = tell(
      result,
      [
        { issues: [], pods: [] },
        { issues: [issue], pods: [] },
      ],
      NO_STYLE,
    );
    expect(text).toContain('api down\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}\\u{2028}forged line');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
  });

  it('keeps newlines and tabs', () => {
    expect(printable('a\n\tb')).toBe('a\n\tb');
  });
});
