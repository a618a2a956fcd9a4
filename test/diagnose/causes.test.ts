// Each cause of the knowledge base on evidence shaped as the cluster reports it (the
// kubelet's and scheduler's own wording), including the causes no emulator scenario
// plays: the rule fires on its signals, and a refuting signal lowers it.
import type { ContainerEvidence, Evidence, PodEvidence } from '../../src/diagnosis/evidence.js';
import { rankCauses } from '../../src/diagnosis/rank.js';
import { diagnosisComment } from '../../src/diagnosis/render.js';
import { scopeFromIssue } from '../../src/diagnosis/scope.js';

const container = (over: Partial<ContainerEvidence> = {}): ContainerEvidence => ({
  name: 'app',
  init: false,
  image: 'ghcr.io/acme/app:2.0.0',
  ready: false,
  restarts: 0,
  waiting: undefined,
  lastTerminated: undefined,
  memoryLimit: '256Mi',
  memoryRequest: '128Mi',
  logs: [],
  previousLogs: [],
  ...over,
});
const pod = (c: ContainerEvidence, over: Partial<PodEvidence> = {}): PodEvidence => ({
  name: 'app-5d8f9-x2x9k',
  node: 'worker-1',
  phase: 'Pending',
  ready: false,
  revision: undefined,
  containers: [c],
  ...over,
});
const evidence = (over: Partial<Evidence>): Evidence => ({
  scope: {
    cluster: 'lab',
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'app' },
    pods: [],
    nodes: [],
  },
  serverTime: '2026-11-22T03:00:00.000Z',
  pods: [],
  events: [],
  rollout: undefined,
  owners: [],
  nodes: [],
  claims: [],
  budgets: [],
  autoscalers: [],
  application: undefined,
  ...over,
});
const pulling = (message: string) =>
  evidence({
    pods: [pod(container({ waiting: { reason: 'ImagePullBackOff', message } }))],
  });
const event = (reason: string, message: string) =>
  evidence({
    events: [{ type: 'Warning', reason, object: 'Pod/app-5d8f9-x2x9k', message, count: 4 }],
  });
const top = (e: Evidence) => rankCauses(e)[0];

describe('the knowledge base', () => {
  it.each([
    [
      'bad-image-tag',
      pulling(
        'Back-off pulling image "ghcr.io/acme/app:2.0.0": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/app:2.0.0": ghcr.io/acme/app:2.0.0: not found',
      ),
    ],
    [
      'registry-rate-limit',
      pulling(
        'Back-off pulling image "nginx:1.27.3": ErrImagePull: toomanyrequests: You have reached your pull rate limit.',
      ),
    ],
    [
      'registry-auth',
      pulling(
        'Back-off pulling image "ghcr.io/acme/private:1.0": ErrImagePull: failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
      ),
    ],
    [
      'missing-config',
      evidence({
        pods: [
          pod(
            container({
              waiting: {
                reason: 'CreateContainerConfigError',
                message: 'secret "payments-db" not found',
              },
            }),
          ),
        ],
      }),
    ],
    [
      'untolerated-taint',
      event(
        'FailedScheduling',
        '0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      ),
    ],
    [
      'insufficient-capacity',
      event(
        'FailedScheduling',
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory.',
      ),
    ],
    [
      'pvc-multi-attach',
      event(
        'FailedAttachVolume',
        'Multi-Attach error for volume "pvc-3f1c" Volume is already used by pod(s) app-5d8f9-abcde',
      ),
    ],
  ])('puts %s first on its evidence', (id, e) => {
    expect(top(e)?.id).toBe(id);
    expect(top(e)?.evidence.length).toBeGreaterThan(0);
    expect(top(e)?.verify.every((c) => !/\{(namespace|pod|workload)\}/.test(c))).toBe(true);
  });

  it('reads an expired certificate in the logs as such when no node clock explains it', () => {
    const e = evidence({
      pods: [
        pod(
          container({
            restarts: 3,
            previousLogs: [
              'dial tcp 10.0.4.2:443: x509: certificate has expired or is not yet valid',
            ],
          }),
        ),
      ],
      nodes: [
        {
          name: 'worker-1',
          failing: [],
          taints: [],
          unschedulable: false,
          skewSeconds: 2,
          lastHeartbeat: '2026-11-22T02:59:58.000Z',
        },
      ],
    });
    expect(top(e)).toMatchObject({ id: 'expired-certificate', confidence: 0.6 });
    // The same log on a node whose clock is two hours behind: the clock is the better reading.
    const skewed = { ...e, nodes: [{ ...e.nodes[0]!, skewSeconds: 7200 }] };
    expect(rankCauses(skewed).find((c) => c.id === 'expired-certificate')?.confidence).toBe(0.2);
  });

  it('says it is not sure when only the generic reading fits, and shows what the cluster showed', () => {
    const crashing = (over: Partial<ContainerEvidence>) =>
      evidence({
        pods: [
          pod(
            container({
              restarts: 4,
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' },
              lastTerminated: { reason: 'Error', exitCode: 1, finishedAt: '' },
              previousLogs: ['fatal: state.json: unexpected end of JSON input'],
              ...over,
            }),
            { phase: 'Running' },
          ),
        ],
      });
    const view = (e: Evidence) => ({
      cluster: 'lab',
      identity: 'identity confirmed',
      from: 'issue text' as const,
      evidence: e,
      causes: rankCauses(e),
      requests: 3,
    });
    const unsure = diagnosisComment(view(crashing({})));
    expect(rankCauses(crashing({}))[0]).toMatchObject({ id: 'application-crash', confidence: 0.5 });
    expect(unsure).toContain('**Not sure.** No cause in the knowledge base fits with confidence');
    expect(unsure).toContain('pod app-5d8f9-x2x9k app: CrashLoopBackOff, 4 restart(s)');
    // A specific reading in the log is not a guess.
    const dns = crashing({
      previousLogs: ['dial tcp: lookup redis on 10.96.0.10:53: no such host'],
    });
    expect(rankCauses(dns)[0]?.id).toBe('dns-failure');
    expect(diagnosisComment(view(dns))).not.toContain('Not sure');
  });

  it('finds nothing when nothing fits', () => {
    expect(
      rankCauses(evidence({ pods: [pod(container({ ready: true }), { phase: 'Running' })] })),
    ).toEqual([]);
  });
});

describe('the scope of an issue', () => {
  it('reads the names a person writes, and keeps only valid Kubernetes names', () => {
    expect(
      scopeFromIssue(
        'checkout broken',
        'On cluster: homelab the sts/postgres in namespace payments; see pod/postgres-0 on node/worker-2. Also deployment/$(rm -rf /)',
        [],
      ),
    ).toEqual({
      from: 'issue text',
      namespaces: [],
      scope: {
        cluster: 'homelab',
        namespace: 'payments',
        workload: { kind: 'StatefulSet', name: 'postgres' },
        pods: ['postgres-0'],
        nodes: ['worker-2'],
      },
    });
  });

  it('reads a Job, so its pods are read by their job-name label', () => {
    expect(
      scopeFromIssue('', 'The job/nightly-export in namespace: batch failed again', ['lab'])?.scope
        .workload,
    ).toEqual({ kind: 'Job', name: 'nightly-export' });
  });

  it('takes the only configured cluster when the issue names none, and gives up without a name', () => {
    expect(scopeFromIssue('', 'deployment/api in namespace shop', ['lab'])?.scope.cluster).toBe(
      'lab',
    );
    expect(scopeFromIssue('help', 'everything is slow', ['lab'])).toBeUndefined();
  });
});
