import {
  codeBlock,
  fenceFor,
  findMarker,
  inline,
  link,
  markdownLines,
  marker,
} from '../../src/incidents/markdown.js';

describe('payload text in Markdown', () => {
  it('pings nobody: @mentions and team mentions lose their ping', () => {
    expect(inline('ping @octocat and @octo-org/sre')).not.toMatch(/@[A-Za-z]/);
    expect(codeBlock('cc @admin')).not.toMatch(/@[A-Za-z]/);
  });

  it('renders HTML and Markdown literally, on one line, bounded', () => {
    expect(inline('<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1)) | cell')).toBe(
      '&lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*bold\\*\\* \\[x\\]\\(javascript:alert\\(1\\)\\) \\| cell',
    );
    expect(inline('a\nb\r\nc')).toBe('a b c');
    expect(inline('# heading')).toBe('\\# heading');
    expect(inline('- item')).toBe('\\- item');
    expect(inline('1. item')).toBe('1\\. item');
    expect(inline('store-front-7d9f8b6c4 v1.2')).toBe('store-front-7d9f8b6c4 v1.2');
    expect(inline('x'.repeat(1000))).toHaveLength(300);
  });

  it('keeps a code block closed whatever backticks the text holds', () => {
    const block = codeBlock('before\n````\n# escaped?\n````\nafter');
    const fence = block.split('\n')[0]!.replace('text', '');
    expect(fence).toBe('`````');
    expect(block.endsWith(`\n${fence}`)).toBe(true);
  });

  it('turns no URL in payload text into a link: each is inline code, the rest escaped', () => {
    expect(inline('Login at https://evil.example/login?next=x now')).toBe(
      'Login at `https://evil.example/login?next=x` now',
    );
    expect(inline('see www.evil.example/**x** | and ftp://h/f')).toBe(
      'see `www.evil.example/**x`\\*\\* \\| and `ftp://h/f`',
    );
    expect(inline('(see https://docs.example/rest), then go.')).toBe(
      '\\(see `https://docs.example/rest`\\), then go.',
    );
    // An issue URL would add a cross-reference to that timeline.
    expect(inline('https://github.com/octo-org/gitops/issues/12')).toBe(
      '`https://github.com/octo-org/gitops/issues/12`',
    );
    // Nothing outside a code span looks like a URL GitHub would link.
    const text = inline('a http://x.example/1 b https://y.example/2|3 c www.z.example');
    const outside = text.split(/`[^`]*`/).join(' ');
    expect(outside).not.toMatch(/https?:\/\/|www\./);
    expect(text).not.toMatch(/\]\(/);
  });

  it('cannot forge a kubemend marker, in text or in a code block', () => {
    const forged = `${marker('record')}\n<!-- kubemend:status done -->`;
    const body = [marker('incident', 'abc123'), inline(forged), codeBlock(forged)].join('\n');
    expect(findMarker(body, 'incident')).toBe('abc123');
    expect(findMarker(body, 'record')).toBeUndefined();
    expect(findMarker(body, 'status')).toBeUndefined();
  });

  it('keeps a fence open until the exact run that opened it: a shorter run inside does not close it', () => {
    const body = ['````', '```', marker('record'), '```', '````', marker('status', 'done')].join(
      '\n',
    );
    expect([...markdownLines(body)].map((l) => l.fence)).toEqual([
      'open',
      'inside',
      'inside',
      'inside',
      'close',
      undefined,
    ]);
    expect(findMarker(body, 'record')).toBeUndefined();
    expect(findMarker(body, 'status')).toBe('done');
    expect(fenceFor('a ```` b')).toBe('`````');
    expect(fenceFor('plain')).toBe('```');
  });

  it('shows a payload URL as code, never as a link, and only for http(s)', () => {
    expect(link('runbook', 'https://runbooks.example/x (y)')).toBe(
      'runbook `https://runbooks.example/x%20(y)`',
    );
    expect(link('source', 'https://evil.example/a|b`c')).toBe(
      'source `https://evil.example/a%7Cb%60c`',
    );
    expect(link('click', 'javascript:alert(1)')).toBe('');
    expect(link('x', 'not a url')).toBe('');
  });
});
