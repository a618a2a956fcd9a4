import {
  matchesLabelSelectorObject,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../src/sim/kube/selectors.js';

// The messages below are written out in full, as the real kube-apiserver (apimachinery 1.35+)
// prints them, rather than built from the module's own constants: a test that reused them
// could not notice a drift in wording.
const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
  "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or " +
  "'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex " +
  "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The SelectorError a call throws; fails the test when it throws nothing or something else. */
function selectorError(call: () => unknown): SelectorError {
  try {
    call();
  } catch (error) {
    if (error instanceof SelectorError) return error;
    throw error;
  }
  throw new Error('expected a SelectorError');
}

const messageOf = (call: () => unknown): string => selectorError(call).message;

describe('label selector strings', () => {
  it('matches everything when empty or only whitespace, even objects without labels', () => {
    for (const text of ['', '   ', '\t\n']) {
      const selector = parseLabelSelector(text);
      expect(selector(undefined)).toBe(true);
      expect(selector({ app: 'web' })).toBe(true);
    }
  });

  it('treats = and == as equality that a missing key does not satisfy', () => {
    for (const text of ['app=web', 'app==web']) {
      const selector = parseLabelSelector(text);
      expect(selector({ app: 'web' })).toBe(true);
      expect(selector({ app: 'api' })).toBe(false);
      expect(selector({})).toBe(false);
      expect(selector(undefined)).toBe(false);
    }
  });

  it('treats != as inequality that a missing key satisfies', () => {
    const selector = parseLabelSelector('app!=web');
    expect(selector({ app: 'api' })).toBe(true);
    expect(selector({ app: 'web' })).toBe(false);
    expect(selector({})).toBe(true);
    expect(selector(undefined)).toBe(true);
  });

  it('matches in (...) against any listed value and never a missing key', () => {
    const selector = parseLabelSelector('tier in (frontend, backend)');
    expect(selector({ tier: 'frontend' })).toBe(true);
    expect(selector({ tier: 'backend' })).toBe(true);
    expect(selector({ tier: 'cache' })).toBe(false);
    expect(selector({})).toBe(false);
  });

  it('matches notin (...) for unlisted values and for a missing key', () => {
    const selector = parseLabelSelector('tier notin (frontend,backend)');
    expect(selector({ tier: 'cache' })).toBe(true);
    expect(selector({})).toBe(true);
    expect(selector({ tier: 'backend' })).toBe(false);
  });

  it('reads a bare key as exists and !key as does not exist, whatever the value', () => {
    const exists = parseLabelSelector('canary');
    const absent = parseLabelSelector('!canary');
    expect(exists({ canary: '' })).toBe(true);
    expect(exists({ canary: 'true' })).toBe(true);
    expect(exists({})).toBe(false);
    expect(absent({})).toBe(true);
    expect(absent(undefined)).toBe(true);
    expect(absent({ canary: '' })).toBe(false);
  });

  it('ANDs comma-separated requirements', () => {
    const selector = parseLabelSelector('app=web,tier in (a,b),!legacy,env');
    expect(selector({ app: 'web', tier: 'a', env: 'prod' })).toBe(true);
    expect(selector({ app: 'web', tier: 'a', env: 'prod', legacy: 'yes' })).toBe(false);
    expect(selector({ app: 'web', tier: 'c', env: 'prod' })).toBe(false);
    expect(selector({ app: 'web', tier: 'a' })).toBe(false);
  });

  it('accepts keys with a DNS subdomain prefix', () => {
    const selector = parseLabelSelector(
      'app.kubernetes.io/name=web,!kubemend.io/paused,k8s.io/x in (a)',
    );
    expect(selector({ 'app.kubernetes.io/name': 'web', 'k8s.io/x': 'a' })).toBe(true);
    expect(
      selector({ 'app.kubernetes.io/name': 'web', 'k8s.io/x': 'a', 'kubemend.io/paused': '' }),
    ).toBe(false);
    expect(selector({ name: 'web', 'k8s.io/x': 'a' })).toBe(false);
  });

  it('tolerates spaces, tabs and newlines around operators, commas, parentheses and !', () => {
    const selector = parseLabelSelector(' app = web ,\ttier in ( a , b ) ,\n! legacy , x!= y ');
    expect(selector({ app: 'web', tier: 'b', x: 'z' })).toBe(true);
    expect(selector({ app: 'web', tier: 'b', x: 'y' })).toBe(false);
    expect(selector({ app: 'web', tier: 'b', legacy: '' })).toBe(false);
  });

  it('reads a missing value after =, == or != as the empty value', () => {
    expect(parseLabelSelector('app=')({ app: '' })).toBe(true);
    expect(parseLabelSelector('app==,tier=a')({ app: '', tier: 'a' })).toBe(true);
    expect(parseLabelSelector('app=')({ app: 'web' })).toBe(false);
    expect(parseLabelSelector('app!=')({ app: 'web' })).toBe(true);
  });

  it('reads empty entries of a value set as the empty value', () => {
    expect(parseLabelSelector('a in ()')({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in ()')({ a: 'x' })).toBe(false);
    expect(parseLabelSelector('a in (x,)')({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in (,x)')({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in (x,,y)')({ a: '' })).toBe(true);
    expect(parseLabelSelector('a in (x,y)')({ a: '' })).toBe(false);
  });

  it('reads in and notin as plain values where a value is expected', () => {
    expect(parseLabelSelector('mode in (in,notin)')({ mode: 'notin' })).toBe(true);
    expect(parseLabelSelector('mode=in')({ mode: 'in' })).toBe(true);
    expect(parseLabelSelector('mode!=notin')({ mode: 'in' })).toBe(true);
  });

  it('compares > and < as 64-bit integers, never matching a missing or non-numeric label', () => {
    const above = parseLabelSelector('replicas>2');
    const below = parseLabelSelector('replicas<10');
    expect(above({ replicas: '3' })).toBe(true);
    expect(above({ replicas: '2' })).toBe(false);
    expect(above({ replicas: '10' })).toBe(true); // numeric, not string, order
    expect(below({ replicas: '9' })).toBe(true);
    expect(below({ replicas: '10' })).toBe(false);
    expect(above({ replicas: 'many' })).toBe(false);
    expect(above({})).toBe(false);
    expect(below({ replicas: '99999999999999999999' })).toBe(false); // overflows int64
  });

  it('throws SelectorError with status 400 for a malformed selector', () => {
    const error = selectorError(() => parseLabelSelector('app web'));
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(400);
    expect(error.name).toBe('SelectorError');
  });

  it.each([
    ['app web', "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
    ['a!b', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['app=web,', "found '', expected: identifier after ','"],
    ['app=web,,x', "found ',', expected: identifier after ','"],
    ['app=web tier', "found 'tier', expected: ',' or 'end of string'"],
    ['!app=web', "found '=', expected: ',' or 'end of string'"],
    ['a==b=c', "found '=', expected: ',' or 'end of string'"],
    [',app', "found ',', expected: !, identifier, or 'end of string'"],
    ['(app)', "found '(', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=x', "found '!=', expected: !, identifier, or 'end of string'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['a!==b', "unable to parse requirement: found '=', expected: identifier"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (,', "unable to parse requirement: found '', expected: ',', or identifier"],
  ])('rejects the malformed selector %j with the parser message', (text, message) => {
    expect(messageOf(() => parseLabelSelector(text))).toBe(message);
  });

  it('rejects a key with characters a label name cannot have, as <nil>: Invalid value', () => {
    expect(messageOf(() => parseLabelSelector('a$b=c'))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "a$b": name part ${NAME_RULE}`,
    );
    expect(messageOf(() => parseLabelSelector('-a'))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "-a": name part ${NAME_RULE}`,
    );
  });

  it('rejects a key name over 63 bytes but accepts exactly 63', () => {
    const long = 'a'.repeat(64);
    expect(messageOf(() => parseLabelSelector(long))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "${long}": ` +
        'name part must be no more than 63 bytes',
    );
    expect(parseLabelSelector('a'.repeat(63))({ ['a'.repeat(63)]: '' })).toBe(true);
  });

  it('rejects a key prefix that is empty, not a lowercase DNS subdomain, or over 253 bytes', () => {
    expect(messageOf(() => parseLabelSelector('/name'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "/name": prefix part must be non-empty',
    );
    expect(messageOf(() => parseLabelSelector('Example.com/name'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "Example.com/name": ' +
        `prefix part ${SUBDOMAIN_RULE}`,
    );
    const prefix = `${'a'.repeat(63)}.`.repeat(4).slice(0, 254);
    expect(messageOf(() => parseLabelSelector(`${prefix}/name`))).toBe(
      `unable to parse requirement: <nil>: Invalid value: "${prefix}/name": ` +
        'prefix part must be no more than 253 bytes',
    );
  });

  it('reports every fault of an empty key name, joined by semicolons', () => {
    expect(messageOf(() => parseLabelSelector('example.com/'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "example.com/": ' +
        `name part must be non-empty; name part ${NAME_RULE}`,
    );
  });

  it('rejects a key with more than one slash', () => {
    expect(messageOf(() => parseLabelSelector('a/b/c'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "a/b/c": ' +
        `a valid label key ${NAME_RULE} with an optional DNS subdomain prefix and '/' ` +
        "(e.g. 'example.com/MyName')",
    );
  });

  it('rejects an invalid value under the values[i][key] path', () => {
    expect(messageOf(() => parseLabelSelector('app=we$b'))).toBe(
      `unable to parse requirement: values[0][app]: Invalid value: "we$b": ${VALUE_RULE}`,
    );
    const long = 'v'.repeat(64);
    expect(messageOf(() => parseLabelSelector(`app=${long}`))).toBe(
      `unable to parse requirement: values[0][app]: Invalid value: "${long}": ` +
        'must be no more than 63 bytes',
    );
  });

  it('reports several invalid set values together, indexed in sorted order', () => {
    expect(messageOf(() => parseLabelSelector('x in (b$, a$, ok)'))).toBe(
      'unable to parse requirement: [' +
        `values[0][x]: Invalid value: "a$": ${VALUE_RULE}, ` +
        `values[1][x]: Invalid value: "b$": ${VALUE_RULE}]`,
    );
  });

  it('rejects a non-integer bound of > or <, and a negative one as an invalid label value', () => {
    expect(messageOf(() => parseLabelSelector('replicas>many'))).toBe(
      'unable to parse requirement: values[0]: Invalid value: "many": ' +
        "for 'Gt', 'Lt' operators, the value must be an integer",
    );
    expect(messageOf(() => parseLabelSelector('replicas<-1'))).toBe(
      `unable to parse requirement: values[0][replicas]: Invalid value: "-1": ${VALUE_RULE}`,
    );
  });
});

describe('label selector objects (metav1.LabelSelector)', () => {
  it('matches nothing when the selector is null or absent', () => {
    expect(matchesLabelSelectorObject(null, { app: 'web' })).toBe(false);
    expect(matchesLabelSelectorObject(undefined, {})).toBe(false);
  });

  it('matches everything when the selector is empty', () => {
    expect(matchesLabelSelectorObject({}, { app: 'web' })).toBe(true);
    expect(matchesLabelSelectorObject({ matchLabels: {}, matchExpressions: [] }, undefined)).toBe(
      true,
    );
  });

  it('requires every matchLabels entry to be present with that value', () => {
    const selector = { matchLabels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' } };
    expect(
      matchesLabelSelectorObject(selector, { app: 'web', 'app.kubernetes.io/part-of': 'shop' }),
    ).toBe(true);
    expect(matchesLabelSelectorObject(selector, { app: 'web' })).toBe(false);
    expect(matchesLabelSelectorObject(selector, undefined)).toBe(false);
  });

  it('applies the four operators; a missing key passes only NotIn and DoesNotExist', () => {
    const expression = (operator: string, values?: string[]) => ({
      matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }],
    });
    expect(matchesLabelSelectorObject(expression('In', ['a', 'b']), { tier: 'b' })).toBe(true);
    expect(matchesLabelSelectorObject(expression('In', ['a', 'b']), {})).toBe(false);
    expect(matchesLabelSelectorObject(expression('NotIn', ['a']), { tier: 'b' })).toBe(true);
    expect(matchesLabelSelectorObject(expression('NotIn', ['a']), {})).toBe(true);
    expect(matchesLabelSelectorObject(expression('NotIn', ['a']), { tier: 'a' })).toBe(false);
    expect(matchesLabelSelectorObject(expression('Exists'), { tier: '' })).toBe(true);
    expect(matchesLabelSelectorObject(expression('Exists', []), {})).toBe(false);
    expect(matchesLabelSelectorObject(expression('DoesNotExist'), {})).toBe(true);
    expect(matchesLabelSelectorObject(expression('DoesNotExist'), { tier: 'a' })).toBe(false);
  });

  it('ANDs matchLabels with every match expression', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(matchesLabelSelectorObject(selector, { app: 'web', env: 'prod' })).toBe(true);
    expect(matchesLabelSelectorObject(selector, { app: 'web', env: 'dev' })).toBe(false);
    expect(matchesLabelSelectorObject(selector, { app: 'web', env: 'prod', canary: '1' })).toBe(
      false,
    );
  });

  it('rejects an operator the object form does not have, quoted as Go prints it', () => {
    const selector = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] };
    expect(messageOf(() => matchesLabelSelectorObject(selector, {}))).toBe(
      '"Gt" is not a valid label selector operator',
    );
  });

  it('rejects In or NotIn without values, printing the nil slice as null', () => {
    for (const values of [undefined, []]) {
      const selector = { matchExpressions: [{ key: 'a', operator: 'NotIn', values }] };
      expect(messageOf(() => matchesLabelSelectorObject(selector, {}))).toBe(
        "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
      );
    }
  });

  it('rejects Exists with values, printing them as Go encodes JSON', () => {
    const selector = { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] };
    expect(messageOf(() => matchesLabelSelectorObject(selector, {}))).toBe(
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    );
  });

  it('reports an invalid matchLabels key and value together under key and values paths', () => {
    const selector = { matchLabels: { 'bad key': 'v$' } };
    expect(messageOf(() => matchesLabelSelectorObject(selector, {}))).toBe(
      `[key: Invalid value: "bad key": name part ${NAME_RULE}, ` +
        `values[0][bad key]: Invalid value: "v$": ${VALUE_RULE}]`,
    );
  });

  it('rejects selectors that are not shaped like a LabelSelector', () => {
    expect(selectorError(() => matchesLabelSelectorObject('app=web', {})).status).toBe(400);
    expect(() => matchesLabelSelectorObject({ matchLabels: { a: 1 } }, {})).toThrow(SelectorError);
    expect(() => matchesLabelSelectorObject({ matchExpressions: {} }, {})).toThrow(SelectorError);
    const badValues = { matchExpressions: [{ key: 'a', operator: 'In', values: [1] }] };
    expect(() => matchesLabelSelectorObject(badValues, {})).toThrow(SelectorError);
  });
});

const pod = (overrides: { spec?: object; status?: object; name?: string } = {}) => ({
  metadata: { name: overrides.name ?? 'web-1', namespace: 'shop' },
  spec: { containers: [], ...overrides.spec },
  status: { ...overrides.status },
});

describe('field selector syntax', () => {
  it('matches everything when empty or made only of empty terms', () => {
    for (const text of ['', ',', ',,']) {
      expect(parseFieldSelector(text, 'pods')(pod())).toBe(true);
    }
  });

  it('treats = and == as equality and != as inequality', () => {
    expect(parseFieldSelector('metadata.name=web-1', 'pods')(pod())).toBe(true);
    expect(parseFieldSelector('metadata.name==web-1', 'pods')(pod())).toBe(true);
    expect(parseFieldSelector('metadata.name=web-2', 'pods')(pod())).toBe(false);
    expect(parseFieldSelector('metadata.name!=web-2', 'pods')(pod())).toBe(true);
    expect(parseFieldSelector('metadata.name!=web-1', 'pods')(pod())).toBe(false);
  });

  it('ANDs comma-separated terms', () => {
    const selector = parseFieldSelector('metadata.namespace=shop,status.phase!=Failed', 'pods');
    expect(selector(pod({ status: { phase: 'Running' } }))).toBe(true);
    expect(selector(pod({ status: { phase: 'Failed' } }))).toBe(false);
  });

  it('compares a missing string field as the empty string', () => {
    const unscheduled = pod();
    const scheduled = pod({ spec: { nodeName: 'node-a' } });
    expect(parseFieldSelector('spec.nodeName=', 'pods')(unscheduled)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=', 'pods')(scheduled)).toBe(false);
    expect(parseFieldSelector('spec.nodeName!=', 'pods')(scheduled)).toBe(true);
    expect(parseFieldSelector('spec.nodeName==', 'pods')({})).toBe(true);
  });

  it('unescapes \\, \\= and \\\\ in values, and does not split on an escaped comma', () => {
    const odd = pod({ name: 'a,b=c\\d' });
    expect(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d', 'pods')(odd)).toBe(true);
    expect(parseFieldSelector('metadata.name!=a\\,b', 'pods')(odd)).toBe(true);
  });

  it('rejects an unknown escape and a trailing backslash', () => {
    expect(messageOf(() => parseFieldSelector('metadata.name=a\\x', 'pods'))).toBe(
      'invalid field selector: invalid escape sequence: \\x',
    );
    expect(messageOf(() => parseFieldSelector('metadata.name=a\\', 'pods'))).toBe(
      'invalid field selector: invalid escape sequence: \\',
    );
  });

  it('rejects an unescaped = in a value, naming the character by its code point', () => {
    expect(messageOf(() => parseFieldSelector('metadata.name=a=b', 'pods'))).toBe(
      'invalid field selector: unescaped character in value: 61',
    );
  });

  it('rejects a term without an operator, quoting the whole selector and the term', () => {
    expect(messageOf(() => parseFieldSelector('metadata.name=a,bogus', 'pods'))).toBe(
      "invalid selector: 'metadata.name=a,bogus'; can't understand 'bogus'",
    );
  });

  it('reports syntax errors before unsupported fields, and the first term in sorted order', () => {
    expect(messageOf(() => parseFieldSelector('spec.bogus=1,zzz', 'pods'))).toBe(
      "invalid selector: 'spec.bogus=1,zzz'; can't understand 'zzz'",
    );
    expect(messageOf(() => parseFieldSelector('spec.zzz=1,spec.aaa=1', 'pods'))).toBe(
      'field label not supported: spec.aaa',
    );
  });

  it('does not trim whitespace, so a padded field name is an unsupported field', () => {
    expect(messageOf(() => parseFieldSelector(' metadata.name=web-1', 'pods'))).toBe(
      'field label not supported:  metadata.name',
    );
    // In the value, spaces are data.
    expect(parseFieldSelector('metadata.name= web-1', 'pods')(pod())).toBe(false);
  });

  it('throws SelectorError with status 400 for an unsupported field', () => {
    const error = selectorError(() => parseFieldSelector('spec.containers=x', 'pods'));
    expect(error.status).toBe(400);
  });
});

describe('field selectors on pods', () => {
  it.each([
    ['spec.nodeName', { spec: { nodeName: 'node-a' } }, 'node-a'],
    ['spec.restartPolicy', { spec: { restartPolicy: 'Never' } }, 'Never'],
    ['spec.schedulerName', { spec: { schedulerName: 'default-scheduler' } }, 'default-scheduler'],
    ['spec.serviceAccountName', { spec: { serviceAccountName: 'builder' } }, 'builder'],
    ['status.phase', { status: { phase: 'Running' } }, 'Running'],
    ['status.podIP', { status: { podIP: '10.0.0.7' } }, '10.0.0.7'],
    ['status.nominatedNodeName', { status: { nominatedNodeName: 'node-b' } }, 'node-b'],
    ['metadata.namespace', {}, 'shop'],
  ])('selects on %s', (field, overrides, value) => {
    const selector = parseFieldSelector(`${field}=${value}`, 'pods');
    expect(selector(pod(overrides))).toBe(true);
    expect(parseFieldSelector(`${field}=other`, 'pods')(pod(overrides))).toBe(false);
  });

  it('prints spec.hostNetwork as true or false, a missing one being false', () => {
    expect(
      parseFieldSelector('spec.hostNetwork=true', 'pods')(pod({ spec: { hostNetwork: true } })),
    ).toBe(true);
    expect(parseFieldSelector('spec.hostNetwork=false', 'pods')(pod())).toBe(true);
    expect(parseFieldSelector('spec.hostNetwork!=false', 'pods')(pod())).toBe(false);
  });

  it('accepts spec.host from old clients as spec.nodeName', () => {
    const selector = parseFieldSelector('spec.host=node-a', 'pods');
    expect(selector(pod({ spec: { nodeName: 'node-a' } }))).toBe(true);
    expect(selector(pod())).toBe(false);
  });

  it('reads spec.serviceAccountName from the deprecated spec.serviceAccount when unset', () => {
    const legacy = pod({ spec: { serviceAccount: 'builder' } });
    expect(parseFieldSelector('spec.serviceAccountName=builder', 'pods')(legacy)).toBe(true);
  });

  it('reads status.podIP from the first of status.podIPs', () => {
    const dual = pod({ status: { podIPs: [{ ip: 'fd00::7' }, { ip: '10.0.0.7' }] } });
    expect(parseFieldSelector('status.podIP=fd00::7', 'pods')(dual)).toBe(true);
    expect(parseFieldSelector('status.podIP=10.0.0.7', 'pods')(dual)).toBe(false);
  });

  it('accepts status.podIPs but, like the real server, never holds a value for it', () => {
    const withIps = pod({ status: { podIPs: [{ ip: '10.0.0.7' }] } });
    expect(parseFieldSelector('status.podIPs=10.0.0.7', 'pods')(withIps)).toBe(false);
    expect(parseFieldSelector('status.podIPs=', 'pods')(withIps)).toBe(true);
  });

  it('rejects other pod fields with the conversion function message', () => {
    expect(messageOf(() => parseFieldSelector('spec.priority=1', 'pods'))).toBe(
      'field label not supported: spec.priority',
    );
  });
});

describe('field selectors on core/v1 events', () => {
  const event = {
    metadata: { name: 'web-1.17a', namespace: 'shop' },
    involvedObject: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'web-1',
      uid: 'u-1',
      apiVersion: 'v1',
      resourceVersion: '42',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'BackOff',
    reportingComponent: 'kubelet',
    source: { component: 'kubelet', host: 'node-a' },
    type: 'Warning',
  };

  it.each([
    ['involvedObject.kind', 'Pod'],
    ['involvedObject.namespace', 'shop'],
    ['involvedObject.name', 'web-1'],
    ['involvedObject.uid', 'u-1'],
    ['involvedObject.apiVersion', 'v1'],
    ['involvedObject.resourceVersion', '42'],
    ['involvedObject.fieldPath', 'spec.containers{app}'],
    ['reason', 'BackOff'],
    ['reportingComponent', 'kubelet'],
    ['source', 'kubelet'],
    ['type', 'Warning'],
    ['metadata.name', 'web-1.17a'],
    ['metadata.namespace', 'shop'],
  ])('selects on %s', (field, value) => {
    expect(parseFieldSelector(`${field}=${value}`, 'events')(event)).toBe(true);
    expect(parseFieldSelector(`${field}=other`, 'events')(event)).toBe(false);
  });

  it('falls back to the reporting component for source when source.component is empty', () => {
    const reported = { ...event, source: { component: '' }, reportingComponent: 'ctrl' };
    expect(parseFieldSelector('source=ctrl', 'events')(reported)).toBe(true);
  });

  it('reads an event stored in the events.k8s.io shape, as the shared storage allows', () => {
    const modern = {
      metadata: { name: 'e', namespace: 'shop' },
      regarding: { kind: 'Node', name: 'node-a' },
      reportingController: 'node-controller',
      type: 'Normal',
    };
    const selector = parseFieldSelector(
      'involvedObject.kind=Node,involvedObject.name=node-a,reportingComponent=node-controller',
      'events',
    );
    expect(selector(modern)).toBe(true);
  });

  it('rejects events.k8s.io field names on core events', () => {
    expect(messageOf(() => parseFieldSelector('regarding.kind=Pod', 'events'))).toBe(
      'field label not supported: regarding.kind',
    );
  });
});

describe('field selectors on events.k8s.io events', () => {
  const event = {
    metadata: { name: 'web-1.17a', namespace: 'shop' },
    regarding: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'web-1',
      uid: 'u-1',
      apiVersion: 'v1',
      resourceVersion: '42',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'BackOff',
    reportingController: 'kubelet',
    deprecatedSource: { component: 'kubelet' },
    type: 'Warning',
  };

  it.each([
    ['regarding.kind', 'Pod'],
    ['regarding.namespace', 'shop'],
    ['regarding.name', 'web-1'],
    ['regarding.uid', 'u-1'],
    ['regarding.apiVersion', 'v1'],
    ['regarding.resourceVersion', '42'],
    ['regarding.fieldPath', 'spec.containers{app}'],
    ['reason', 'BackOff'],
    ['reportingController', 'kubelet'],
    ['source', 'kubelet'],
    ['type', 'Warning'],
    ['metadata.name', 'web-1.17a'],
    ['metadata.namespace', 'shop'],
  ])('selects on %s', (field, value) => {
    expect(parseFieldSelector(`${field}=${value}`, 'events.events.k8s.io')(event)).toBe(true);
    expect(parseFieldSelector(`${field}=other`, 'events.events.k8s.io')(event)).toBe(false);
  });

  it('reads an event stored in the core/v1 shape', () => {
    const core = { metadata: { name: 'e' }, involvedObject: { kind: 'Pod' }, type: 'Normal' };
    expect(parseFieldSelector('regarding.kind=Pod', 'events.events.k8s.io')(core)).toBe(true);
  });

  it('rejects core/v1 event field names', () => {
    for (const field of ['involvedObject.kind', 'reportingComponent']) {
      expect(messageOf(() => parseFieldSelector(`${field}=x`, 'events.events.k8s.io'))).toBe(
        `field label not supported: ${field}`,
      );
    }
  });
});

describe('field selectors on other resources with their own field set', () => {
  it('selects nodes on spec.unschedulable, a missing one being false', () => {
    const cordoned = { metadata: { name: 'node-a' }, spec: { unschedulable: true } };
    const ready = { metadata: { name: 'node-b' }, spec: {} };
    expect(parseFieldSelector('spec.unschedulable=true', 'nodes')(cordoned)).toBe(true);
    expect(parseFieldSelector('spec.unschedulable=false', 'nodes')(ready)).toBe(true);
    expect(parseFieldSelector('spec.unschedulable=false', 'nodes')(cordoned)).toBe(false);
    expect(parseFieldSelector('metadata.name=node-b', 'nodes')(ready)).toBe(true);
  });

  it('refuses metadata.namespace on nodes and namespaces, which are cluster-scoped', () => {
    for (const resource of ['nodes', 'namespaces']) {
      expect(messageOf(() => parseFieldSelector('metadata.namespace=x', resource))).toBe(
        'field label not supported: metadata.namespace',
      );
    }
  });

  it('selects namespaces on status.phase and metadata.name', () => {
    const terminating = { metadata: { name: 'old' }, status: { phase: 'Terminating' } };
    expect(parseFieldSelector('status.phase=Terminating', 'namespaces')(terminating)).toBe(true);
    expect(parseFieldSelector('metadata.name=old', 'namespaces')(terminating)).toBe(true);
    expect(parseFieldSelector('status.phase=Active', 'namespaces')(terminating)).toBe(false);
  });

  it('selects secrets on type', () => {
    const token = { metadata: { name: 't', namespace: 'a' }, type: 'kubernetes.io/tls' };
    expect(parseFieldSelector('type=kubernetes.io/tls', 'secrets')(token)).toBe(true);
    expect(parseFieldSelector('type!=Opaque,metadata.namespace=a', 'secrets')(token)).toBe(true);
    expect(messageOf(() => parseFieldSelector('data.key=x', 'secrets'))).toBe(
      'field label not supported: data.key',
    );
  });

  it('selects services on spec.clusterIP and spec.type', () => {
    const service = { metadata: { name: 's' }, spec: { clusterIP: 'None', type: 'ClusterIP' } };
    expect(parseFieldSelector('spec.clusterIP=None,spec.type=ClusterIP', 'services')(service)).toBe(
      true,
    );
  });

  it('selects replication controllers on status.replicas, a missing count being 0', () => {
    const scaled = { metadata: { name: 'rc' }, status: { replicas: 3 } };
    const fresh = { metadata: { name: 'rc' } };
    expect(parseFieldSelector('status.replicas=3', 'replicationcontrollers')(scaled)).toBe(true);
    expect(parseFieldSelector('status.replicas=0', 'replicationcontrollers')(fresh)).toBe(true);
  });

  it('selects jobs on status.successful, which holds status.succeeded', () => {
    const done = { metadata: { name: 'j', namespace: 'a' }, status: { succeeded: 1 } };
    const running = { metadata: { name: 'j', namespace: 'a' }, status: { active: 1 } };
    for (const resource of ['jobs', 'jobs.batch']) {
      expect(parseFieldSelector('status.successful=1', resource)(done)).toBe(true);
      expect(parseFieldSelector('status.successful=0', resource)(running)).toBe(true);
      expect(parseFieldSelector('metadata.namespace=a', resource)(done)).toBe(true);
    }
  });

  it('rejects other job fields with the batch/v1 wording', () => {
    expect(messageOf(() => parseFieldSelector('status.active=1', 'jobs'))).toBe(
      'field label "status.active" not supported for Job',
    );
  });

  it('selects certificate signing requests on spec.signerName', () => {
    const csr = { metadata: { name: 'c' }, spec: { signerName: 'kubernetes.io/kubelet-serving' } };
    const selector = parseFieldSelector(
      'spec.signerName=kubernetes.io/kubelet-serving',
      'certificatesigningrequests',
    );
    expect(selector(csr)).toBe(true);
  });
});

describe('field selectors on resources with only the default metadata fields', () => {
  it('selects on metadata.name and metadata.namespace', () => {
    const map = { metadata: { name: 'settings', namespace: 'shop' }, data: {} };
    const selector = parseFieldSelector(
      'metadata.name=settings,metadata.namespace=shop',
      'configmaps',
    );
    expect(selector(map)).toBe(true);
    expect(parseFieldSelector('metadata.namespace=other', 'configmaps')(map)).toBe(false);
  });

  it('compares metadata.namespace of a cluster-scoped object as the empty string', () => {
    const volume = { metadata: { name: 'pv-1' } };
    expect(parseFieldSelector('metadata.namespace=', 'persistentvolumes')(volume)).toBe(true);
    expect(parseFieldSelector('metadata.namespace=x', 'persistentvolumes')(volume)).toBe(false);
  });

  it('rejects any other field with the default conversion message', () => {
    expect(messageOf(() => parseFieldSelector('spec.replicas=1', 'deployments'))).toBe(
      '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('refuses status.replicas on replicasets, as apps/v1 registers no conversion for it', () => {
    expect(messageOf(() => parseFieldSelector('status.replicas=0', 'replicasets'))).toBe(
      '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    const rs = { metadata: { name: 'web-5d9', namespace: 'shop' }, status: { replicas: 0 } };
    expect(parseFieldSelector('metadata.name=web-5d9', 'replicasets')(rs)).toBe(true);
  });

  it('does not mistake inherited object properties for supported fields', () => {
    expect(messageOf(() => parseFieldSelector('constructor=x', 'pods'))).toBe(
      'field label not supported: constructor',
    );
    expect(() => parseFieldSelector('toString=x', 'configmaps')).toThrow(SelectorError);
    expect(() => parseFieldSelector('metadata.name=x', 'hasOwnProperty')).not.toThrow();
  });
});
