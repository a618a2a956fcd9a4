// The store decides a no-op write and a spec change with sameJson instead of comparing
// two JSON.stringify texts; it must answer exactly as that comparison would.
import { sameJson } from '../../src/sim/kube/store.js';

const cases: [string, unknown, unknown][] = [
  ['equal objects', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }],
  ['another value deep inside', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }],
  ['the same keys in another order', { a: 1, b: 2 }, { b: 2, a: 1 }],
  ['an undefined key and a missing one', { a: 1, b: undefined }, { a: 1 }],
  ['an undefined element and null', [1, undefined], [1, null]],
  ['a missing element', [1], [1, null]],
  ['a number and its string', { a: 1 }, { a: '1' }],
  ['NaN and null', { a: NaN }, { a: null }],
  ['Infinity and null', [Infinity], [null]],
  ['an empty object and an empty array', {}, []],
  ['an object and null', { a: {} }, { a: null }],
  ['undefined and an object', undefined, {}],
  ['undefined and undefined', undefined, undefined],
  ['false and 0', { a: false }, { a: 0 }],
  ['an empty string and a missing key', { a: '' }, {}],
  ['one more key', { a: 1 }, { a: 1, b: 2 }],
];

describe('sameJson', () => {
  it.each(cases)('answers as comparing JSON texts would: %s', (_name, a, b) => {
    expect(sameJson(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
  });

  it('tells a changed pod status from an unchanged one, as the kubelet writes it', () => {
    const status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', reason: undefined }],
      containerStatuses: [{ name: 'web', restartCount: 2, state: { running: {} } }],
    };
    const again = JSON.parse(JSON.stringify(status));
    expect(sameJson(status, again)).toBe(true);
    again.containerStatuses[0].restartCount = 3;
    expect(sameJson(status, again)).toBe(false);
  });
});
