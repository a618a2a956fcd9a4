// Notices for the notification tests: an ordinary one, and one whose every text field is
// hostile (pings, link and markdown injection, overlong text).
import type { Notice } from '../../src/notify/notice.js';

export const NOTICE: Notice = {
  key: 'kubemend-7f3a9c',
  number: 42,
  title: 'OOMKilled: payments/api',
  cluster: 'prod-eu-1',
  severity: 'critical',
  category: 'oom',
  state: 'firing',
  reasons: ['the container was killed for memory 4 times in 10 minutes'],
  link: 'https://github.com/octo-org/gitops/issues/42',
};

/** Every kind of hostile text, one per line, as an alert could carry it. */
export const HOSTILE_LINES = [
  '@channel @here @everyone',
  '<!channel> <!here> <!everyone> <@U123> <#C123> <!subteam^S123>',
  '[x](javascript:alert(1)) <https://evil.example|click>',
  '*bold* _it_ ~strike~ `code` ||spoiler|| # heading',
  '- list',
  '1. numbered',
  '# heading',
  '-# small print',
  '> quote & <tag>',
];

export const hostileNotice = (overrides: Partial<Notice> = {}): Notice => ({
  ...NOTICE,
  title: '<!channel> @everyone [pwn](https://evil.example) *urgent*',
  cluster: '<@U999> prod',
  category: '`oom`',
  reasons: [HOSTILE_LINES.join('\n')],
  link: 'javascript:alert(1)',
  ...overrides,
});
