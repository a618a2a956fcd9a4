// cert-manager's CustomResourceDefinition for Certificates: the emulator serves
// cert-manager.io/v1 Certificates only once it is stored, as a real API server does.
export const CERT_MANAGER_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'certificates.cert-manager.io' },
  spec: {
    group: 'cert-manager.io',
    names: { kind: 'Certificate', plural: 'certificates', singular: 'certificate' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true }],
  },
};
