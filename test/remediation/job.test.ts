// The matrix entry as a remediate job reads it: what triage put in the matrix comes back
// as the same targets after the trip through a workflow, and anything else is refused in
// one line naming the field.
import { jobFromMatrix } from '../../src/remediation/job.js';
import { buildMatrix } from '../../src/triage/matrix.js';
import { triagePayload } from '../../src/triage/triage.js';
import { DEFAULT_CONFIG } from '../triage/corpus.js';

/** A kubelet BackOff event of a Deployment's pod on worker-3. */
const backOff = {
  event: {
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container api in pod api-7c9d8f6b5-x2x9k_shop(3f2a)',
  },
  involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  context: {
    nodeName: 'worker-3',
    ownerReferences: [{ kind: 'ReplicaSet', name: 'api-7c9d8f6b5' }],
    containerStatuses: [{ name: 'api', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  },
};

const entry = (targets: Record<string, unknown>) => ({
  playbook: 'crash-loop',
  id: 'a1b2c3d4',
  incident: 7,
  cluster: 'prod',
  targets: { cluster: 'prod', ...targets },
});

describe('a matrix entry', () => {
  it("triage builds reaches the job with the same targets after the workflow's JSON", () => {
    const { incidents } = triagePayload(backOff, { cluster: 'prod', config: DEFAULT_CONFIG });
    const [built] = buildMatrix(
      incidents.map((incident) => ({ incident, number: 7 })),
      DEFAULT_CONFIG,
    ).include;
    if (!built) throw new Error('triage built no matrix entry');
    expect(built.targets.workload).toEqual({ kind: 'Deployment', name: 'api' });
    const job = jobFromMatrix(JSON.parse(JSON.stringify(built)), built.playbook, 'dry-run');
    expect(job.targets).toEqual(built.targets);
  });

  it('a workload triage could name only by its pod (no kind) reaches the job as it was named', () => {
    const bare = {
      ...backOff,
      involved_object: { kind: 'Pod', name: 'mypod', namespace: 'shop' },
      context: { ...backOff.context, ownerReferences: [] },
    };
    const { incidents } = triagePayload(bare, { cluster: 'prod', config: DEFAULT_CONFIG });
    const built = buildMatrix(
      incidents.map((incident) => ({ incident, number: 7 })),
      DEFAULT_CONFIG,
    ).include.find((e) => e.targets.workload);
    if (!built) throw new Error('triage named no workload');
    expect(built.targets.workload?.kind).toBeUndefined();
    const job = jobFromMatrix(JSON.parse(JSON.stringify(built)), built.playbook, 'dry-run');
    expect(job.targets.workload).toEqual(built.targets.workload);
  });

  it.each([
    ['namespace', { namespace: 'shop; kubectl delete ns prod' }, 'a namespace name'],
    ['pods', { pods: ['api-1', '$(id)'] }, 'a list of pod names'],
    ['workload', { workload: { kind: 'Deployment', name: 'API' } }, 'an object {kind?, name}'],
    ['workload', { workload: 'Deployment/api' }, 'an object {kind?, name}'],
  ])(
    'naming a %s Kubernetes would refuse is refused in one line naming the field',
    (field, targets, allowed) => {
      expect(() => jobFromMatrix(entry(targets), 'crash-loop', 'auto')).toThrow(
        `Input 'targets': 'targets.${field}' is not ${allowed}`,
      );
    },
  );
});
