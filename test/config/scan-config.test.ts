// The config's `scan:` section: defaults that page nobody for a healthy cluster, what a
// user can switch and tune, and one line naming the field for what it cannot be.
import { parseConfig } from '../../src/config/config.js';
import { ANALYZER_NAMES } from '../../src/scan/settings.js';

const read = (yaml: string) => parseConfig(yaml, '.github/kubemend.yml');

describe('the scan config', () => {
  it('defaults to every analyzer, every namespace, warnings and worse, fed again hourly', () => {
    const { scan } = read('');
    expect(scan).toMatchObject({
      enabled: true,
      analyzers: [...ANALYZER_NAMES],
      namespaces: null,
      severityFloor: 'warning',
      repeatIntervalMs: 3_600_000,
      ignore: [],
    });
    expect(scan.thresholds).toMatchObject({ restarts: 3, certificateExpiryDays: 14 });
  });

  it('switches analyzers off by name and reads thresholds and ignore rules', () => {
    const { scan } = read(`
scan:
  analyzers: { events: false, restarts: false, node: true }
  namespaces: [shop, payments]
  severity-floor: critical
  repeat-interval: 30m
  ignore:
    - { namespace: batch, analyzer: job }
    - { selector: 'kubemend.io/scan in (off)' }
  thresholds: { restarts: 5, restart-window: 1h, out-of-sync: 2h, certificate-expiry-days: 30 }
`);
    expect(scan.analyzers).not.toContain('events');
    expect(scan.analyzers).not.toContain('restarts');
    expect(scan.analyzers).toContain('node');
    expect(scan).toMatchObject({
      namespaces: ['shop', 'payments'],
      severityFloor: 'critical',
      repeatIntervalMs: 1_800_000,
      ignore: [{ namespace: 'batch', analyzer: 'job' }, { selector: 'kubemend.io/scan in (off)' }],
    });
    expect(scan.thresholds).toMatchObject({
      restarts: 5,
      restartWindowMs: 3_600_000,
      outOfSyncMs: 7_200_000,
      certificateExpiryDays: 30,
    });
  });

  it('refuses an unknown analyzer, an empty ignore rule, a bad selector and a threshold past a day, naming each field', () => {
    expect(() => read('scan: { analyzers: { webhooks: false } }')).toThrow(
      /^Config \.github\/kubemend\.yml: 'scan\.analyzers\.webhooks' is not an allowed name; allowed: one of image-pull, /,
    );
    expect(() => read('scan: { ignore: [{}] }')).toThrow(/'scan\.ignore\[0\]'.*at least 1/);
    expect(() => read("scan: { ignore: [{ selector: 'app=>web' }] }")).toThrow(
      /'scan\.ignore\[0\]\.selector' is "app=>web"; cannot read "app=>web"; allowed: key=value/,
    );
    expect(() => read('scan: { thresholds: { node-cordoned: 48h } }')).toThrow(
      /'scan\.thresholds\.node-cordoned' is "48h"; allowed: a duration such as 90s, 10m or 2h, at most 24h\./,
    );
  });
});
