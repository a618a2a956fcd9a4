// Manifests as people and tools really write them: kubectl's unindented lists, Helm's
// rendered streams, Kustomize patches, flow maps, anchors, quotes, CRLF. Every edit must
// be the input with exactly the edited values replaced (or the added keys inserted), byte
// for byte everywhere else; what cannot be edited safely is refused with the true reason.
import {
  findManifests,
  setContainerImage,
  setContainerMemory,
} from '../../src/remediation/manifest.js';

/** `text` with each `[from, to]` replaced once, in order; each `from` must be there. */
function replaced(text: string, ...edits: [string, string][]): string {
  let out = text;
  let cursor = 0;
  for (const [from, to] of edits) {
    const at = out.indexOf(from, cursor);
    if (at === -1) throw new Error(`the fixture has no ${JSON.stringify(from)}`);
    out = out.slice(0, at) + to + out.slice(at + from.length);
    cursor = at + to.length;
  }
  return out;
}

const KUBECTL = `apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "3"
  name: api
  namespace: shop
spec:
  template:
    spec:
      containers:
      - image: ghcr.io/acme/api:2.1
        imagePullPolicy: IfNotPresent
        name: web
        resources:
          limits:
            memory: 256Mi
          requests:
            memory: 128Mi
      - image: envoyproxy/envoy:v1.31.0
        name: proxy
        resources: {}
      - image: busybox:1.36
        name: tail # follows the log
      dnsPolicy: ClusterFirst
status: {}
`;

describe('kubectl get -o yaml layout (list items not indented under their key)', () => {
  it('edits the memory values and the image of a container in an unindented list', () => {
    expect(
      setContainerMemory(KUBECTL, 0, 'Deployment', 'web', { limits: '320Mi', requests: '160Mi' }),
    ).toBe(
      replaced(KUBECTL, ['memory: 256Mi', 'memory: 320Mi'], ['memory: 128Mi', 'memory: 160Mi']),
    );
    expect(setContainerImage(KUBECTL, 0, 'Deployment', 'web', 'mirror.acme.io/api:2.1')).toBe(
      replaced(KUBECTL, ['image: ghcr.io/acme/api:2.1', 'image: mirror.acme.io/api:2.1']),
    );
  });

  it("fills kubectl's empty `resources: {}` in block style, indented like the file", () => {
    expect(
      setContainerMemory(KUBECTL, 0, 'Deployment', 'proxy', {
        limits: '64Mi',
        requests: undefined,
      }),
    ).toBe(
      replaced(KUBECTL, [
        '        resources: {}\n',
        '        resources:\n          limits:\n            memory: 64Mi\n',
      ]),
    );
  });

  it("adds resources after a container's last field, its trailing comment left on its line", () => {
    expect(
      setContainerMemory(KUBECTL, 0, 'Deployment', 'tail', { limits: '32Mi', requests: '16Mi' }),
    ).toBe(
      replaced(KUBECTL, [
        '        name: tail # follows the log\n',
        '        name: tail # follows the log\n        resources:\n          limits:\n            memory: 32Mi\n          requests:\n            memory: 16Mi\n',
      ]),
    );
  });

  it('says a container is missing only when it is', () => {
    expect(() =>
      setContainerMemory(KUBECTL, 0, 'Deployment', 'nope', { limits: '1Gi', requests: undefined }),
    ).toThrow(/^container nope is not in the manifest$/);
  });
});

const HELM = `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports:
    - port: 80
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    helm.sh/chart: shop-1.2.0
spec:
  template:
    spec:
      containers:
        - name: web
          image: "ghcr.io/acme/api:2.1"
          resources:
            limits:
              memory: 256Mi
`;

describe('Helm-rendered streams', () => {
  it('finds the Deployment behind its `# Source:` comment and edits that document only', () => {
    expect(
      findManifests([{ path: 'rendered.yaml', text: HELM }], {
        kind: 'Deployment',
        name: 'api',
        namespace: 'shop',
      }),
    ).toEqual([{ path: 'rendered.yaml', document: 1 }]);
    expect(
      setContainerMemory(HELM, 1, 'Deployment', 'web', { limits: '320Mi', requests: undefined }),
    ).toBe(replaced(HELM, ['memory: 256Mi', 'memory: 320Mi']));
    expect(setContainerImage(HELM, 1, 'Deployment', 'web', 'mirror.acme.io/api:2.1')).toBe(
      replaced(HELM, ['"ghcr.io/acme/api:2.1"', '"mirror.acme.io/api:2.1"']),
    );
  });

  it('says which document is not the workload instead of blaming the container', () => {
    expect(() =>
      setContainerMemory(HELM, 0, 'Deployment', 'web', { limits: '1Gi', requests: undefined }),
    ).toThrow(/^document 0 of the file is a Service, not a Deployment$/);
    expect(() =>
      setContainerMemory(HELM, 2, 'Deployment', 'web', { limits: '1Gi', requests: undefined }),
    ).toThrow(/^document 2 is not in the file$/);
  });
});

describe('Kustomize strategic merge patches', () => {
  const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: web
        resources:
          limits:
            memory: 256Mi   # patched for prod
`;

  it('edits the patch in place and adds the missing request next to the limit', () => {
    expect(
      setContainerMemory(PATCH, 0, 'Deployment', 'web', { limits: '320Mi', requests: '160Mi' }),
    ).toBe(
      replaced(PATCH, [
        'memory: 256Mi   # patched for prod\n',
        'memory: 320Mi   # patched for prod\n          requests:\n            memory: 160Mi\n',
      ]),
    );
  });

  it('says a patch without an image has no image, not that the container is missing', () => {
    expect(() => setContainerImage(PATCH, 0, 'Deployment', 'web', 'x:1')).toThrow(
      /^container web has no image field$/,
    );
  });
});

const FLOW = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - {name: web, image: ghcr.io/acme/api:2.1, resources: {limits: {memory: 256Mi}}}
        - name: proxy
          resources: {limits: {memory: 64Mi}, requests: {memory: 32Mi}}
`;

describe('flow-style maps', () => {
  it('edits values inside flow maps and keeps them flow', () => {
    expect(
      setContainerMemory(FLOW, 0, 'Deployment', 'proxy', { limits: '80Mi', requests: '40Mi' }),
    ).toBe(replaced(FLOW, ['memory: 64Mi', 'memory: 80Mi'], ['memory: 32Mi', 'memory: 40Mi']));
    expect(setContainerImage(FLOW, 0, 'Deployment', 'web', 'mirror.acme.io/api:2.1')).toBe(
      replaced(FLOW, ['image: ghcr.io/acme/api:2.1', 'image: mirror.acme.io/api:2.1']),
    );
  });

  it('adds a missing section inside the flow map, in flow style', () => {
    expect(
      setContainerMemory(FLOW, 0, 'Deployment', 'web', { limits: '320Mi', requests: '160Mi' }),
    ).toBe(
      replaced(FLOW, [
        '{limits: {memory: 256Mi}}}',
        '{limits: {memory: 320Mi}, requests: {memory: 160Mi}}}',
      ]),
    );
  });
});

describe('anchors and aliases', () => {
  const SHARED_VALUE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits:
              memory: &mem 256Mi
            requests:
              memory: *mem
`;

  it('refuses to edit a value other fields share, naming the anchor or alias', () => {
    expect(() =>
      setContainerMemory(SHARED_VALUE, 0, 'Deployment', 'web', {
        limits: '320Mi',
        requests: undefined,
      }),
    ).toThrow(
      /^the memory limit of container web is anchored \(&mem\) and shared with other fields; edit it by hand$/,
    );
    const aliasedRequest = SHARED_VALUE.replace('&mem 256Mi', '256Mi').replace(
      '  name: api\n',
      '  name: api\n  annotations: {acme.io/memory: &mem 128Mi}\n',
    );
    expect(() =>
      setContainerMemory(aliasedRequest, 0, 'Deployment', 'web', {
        limits: '320Mi',
        requests: '160Mi',
      }),
    ).toThrow(
      /^the memory request of container web is an alias \(\*mem\) shared with other fields; edit it by hand$/,
    );
  });

  it('refuses a resources map that another container shares', () => {
    const shared = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: web
          resources: &res
            limits:
              memory: 256Mi
        - name: worker
          resources: *res
`;
    expect(() =>
      setContainerMemory(shared, 0, 'Deployment', 'web', { limits: '1Gi', requests: undefined }),
    ).toThrow(
      /^resources of container web is anchored \(&res\) and shared with other fields; edit it by hand$/,
    );
    expect(() =>
      setContainerMemory(shared, 0, 'Deployment', 'worker', { limits: '1Gi', requests: undefined }),
    ).toThrow(
      /^resources of container worker is an alias \(\*res\) shared with other fields; edit it by hand$/,
    );
  });

  it('keeps anchors elsewhere and an anchor no alias uses on the edited value', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: &labels
    app: api
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
        - name: web
          resources:
            limits:
              memory: &limit 256Mi
`;
    expect(
      setContainerMemory(text, 0, 'Deployment', 'web', { limits: '320Mi', requests: undefined }),
    ).toBe(replaced(text, ['&limit 256Mi', '&limit 320Mi']));
  });

  it('refuses a container that takes fields from a merge key', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
defaults: &defaults
  resources:
    limits:
      memory: 256Mi
spec:
  template:
    spec:
      containers:
        - <<: *defaults
          name: web
`;
    expect(() =>
      setContainerMemory(text, 0, 'Deployment', 'web', { limits: '1Gi', requests: undefined }),
    ).toThrow(/^container web takes fields from a merge key \(<<\); edit it by hand$/);
  });
});

describe('multi-document files', () => {
  const one = (name: string, memory: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits:
              memory: ${memory}
`;

  it('edits the named document only, the same container elsewhere untouched', () => {
    const text = `${one('api', '256Mi')}---\n${one('admin', '256Mi')}---\n${one('jobs', '256Mi')}`;
    expect(
      findManifests([{ path: 'all.yaml', text }], {
        kind: 'Deployment',
        name: 'admin',
        namespace: 'shop',
      }),
    ).toEqual([{ path: 'all.yaml', document: 1 }]);
    expect(
      setContainerMemory(text, 1, 'Deployment', 'web', { limits: '512Mi', requests: undefined }),
    ).toBe(`${one('api', '256Mi')}---\n${one('admin', '512Mi')}---\n${one('jobs', '256Mi')}`);
  });
});

describe('quoted values', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: 'web'
          image: 'ghcr.io/acme/api:2.1'
          resources:
            limits:
              memory: "256Mi"
            requests:
              memory: '128Mi'
`;

  it('keeps each edited value in the quotes it was written in', () => {
    expect(
      setContainerMemory(text, 0, 'Deployment', 'web', { limits: '320Mi', requests: '160Mi' }),
    ).toBe(replaced(text, ['"256Mi"', '"320Mi"'], ["'128Mi'", "'160Mi'"]));
    expect(setContainerImage(text, 0, 'Deployment', 'web', 'mirror.acme.io/api:2.1')).toBe(
      replaced(text, ["'ghcr.io/acme/api:2.1'", "'mirror.acme.io/api:2.1'"]),
    );
  });
});

describe('CRLF line endings', () => {
  const text = KUBECTL.replace(/\n/g, '\r\n');

  it('edits in place and writes added lines with CRLF too', () => {
    expect(
      setContainerMemory(text, 0, 'Deployment', 'web', { limits: '320Mi', requests: '160Mi' }),
    ).toBe(replaced(text, ['memory: 256Mi', 'memory: 320Mi'], ['memory: 128Mi', 'memory: 160Mi']));
    const out = setContainerMemory(text, 0, 'Deployment', 'tail', {
      limits: '32Mi',
      requests: undefined,
    });
    expect(out).toBe(
      replaced(text, [
        '        name: tail # follows the log\r\n',
        '        name: tail # follows the log\r\n        resources:\r\n          limits:\r\n            memory: 32Mi\r\n',
      ]),
    );
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
  });
});

describe('hostile files', () => {
  it('a file whose aliases expand without bound is skipped by the search and refused by the edit, with that reason', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => {
        const ref = String.fromCharCode(97 + i);
        const name = String.fromCharCode(98 + i);
        return `${name}: &${name} [*${ref}, *${ref}, *${ref}, *${ref}, *${ref}, *${ref}, *${ref}, *${ref}, *${ref}, *${ref}]`;
      }),
      'kind: Deployment',
      'metadata: {name: api}',
    ].join('\n');
    expect(
      findManifests([{ path: 'bomb.yaml', text: bomb }], {
        kind: 'Deployment',
        name: 'api',
        namespace: undefined,
      }),
    ).toEqual([]);
    const workload = `${bomb.replace('kind: Deployment\nmetadata: {name: api}', '')}kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/api:2.1
`;
    expect(() => setContainerImage(workload, 0, 'Deployment', 'web', 'x:1')).toThrow(
      /^the file has aliases that expand too far to check the edit; nothing is proposed$/,
    );
  });
});
