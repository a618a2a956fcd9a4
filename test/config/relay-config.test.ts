// The config's `relay:` section: defaults that cost two workflow runs for a problem that
// fires and resolves, what a user can tune, and one line naming the field it refuses.
import { parseConfig } from '../../src/config/config.js';

const read = (yaml: string) => parseConfig(yaml, '.github/kubemend.yml');

describe('the relay config', () => {
  it('defaults to a 5-minute window, an hourly refresh, storms past 50 problems, 60 dispatches a minute', () => {
    expect(read('').relay).toMatchObject({
      windowMs: 300_000,
      refreshMs: 3_600_000,
      stormKeys: 50,
      queueCapacity: 10_000,
      dispatchesPerMinute: 60,
      events: {
        enabled: false,
        namespaceSelector: 'kubemend.io/watch=true',
        clusterScoped: false,
        enrich: true,
      },
    });
    expect(read('').relay.events.reasons).toContain('BackOff');
    expect(read('').relay.events.kinds).toContain('Pod');
  });

  it('reads every setting a user writes', () => {
    const { relay } = read(`
relay:
  window: 2m
  refresh: 30m
  storm-keys: 200
  queue-capacity: 500
  dispatches-per-minute: 20
  events:
    enabled: true
    namespace-selector: 'team in (shop, payments)'
    reasons: [BackOff, FailedMount]
    kinds: [Pod]
    cluster-scoped: true
    enrich: false
`);
    expect(relay).toEqual({
      windowMs: 120_000,
      refreshMs: 1_800_000,
      stormKeys: 200,
      queueCapacity: 500,
      dispatchesPerMinute: 20,
      events: {
        enabled: true,
        namespaceSelector: 'team in (shop, payments)',
        reasons: ['BackOff', 'FailedMount'],
        kinds: ['Pod'],
        clusterScoped: true,
        enrich: false,
      },
    });
  });

  it('refuses an unknown key, a refresh past a day, a bad namespace selector, no reasons and a rate of zero, naming each field', () => {
    expect(() => read('relay: { windows: 5m }')).toThrow(
      /^Config \.github\/kubemend\.yml: .*'relay\.windows'/,
    );
    expect(() => read('relay: { refresh: 2d }')).toThrow(
      /'relay\.refresh' is "2d"; allowed: a duration: a whole number of seconds, minutes or hours/,
    );
    expect(() => read("relay: { events: { namespace-selector: 'team in shop' } }")).toThrow(
      /'relay\.events\.namespace-selector' is "team in shop"; cannot read "team in shop"; allowed: key=value/,
    );
    expect(() => read('relay: { events: { reasons: [] } }')).toThrow(/'relay\.events\.reasons'/);
    expect(() => read('relay: { dispatches-per-minute: 0 }')).toThrow(
      /'relay\.dispatches-per-minute' is 0; allowed: a whole number from 1 to 600\.$/,
    );
  });
});
