// The API server's Status objects for errors, with the reasons and messages the real
// server uses (clients such as kubectl print the message as it is).
import type { ResourceType } from './resources.js';

export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

const what = (r: ResourceType): string => (r.group ? `${r.plural}.${r.group}` : r.plural);
const details = (r: ResourceType, name: string) => ({
  name,
  ...(r.group ? { group: r.group } : {}),
  kind: r.plural,
});

export const errors = {
  notFound: (r: ResourceType, name: string) =>
    new KubeError(404, 'NotFound', `${what(r)} "${name}" not found`, details(r, name)),
  alreadyExists: (r: ResourceType, name: string) =>
    new KubeError(409, 'AlreadyExists', `${what(r)} "${name}" already exists`, details(r, name)),
  conflict: (r: ResourceType, name: string) =>
    new KubeError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${what(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      details(r, name),
    ),
  invalid: (r: ResourceType, name: string, cause: string, field: string) =>
    new KubeError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${field}: ${cause}`, {
      ...details(r, name),
      kind: r.kind,
      causes: [{ reason: 'FieldValueInvalid', message: cause, field }],
    }),
  forbidden: (
    user: string,
    verb: string,
    r: ResourceType,
    sub: string | undefined,
    namespace: string | undefined,
    name?: string,
  ) =>
    new KubeError(
      403,
      'Forbidden',
      `${name ? `${what(r)} "${name}"` : what(r)} is forbidden: User "${user}" cannot ${verb} resource "${r.plural}${sub ? `/${sub}` : ''}" in API group "${r.group}"${namespace ? ` in the namespace "${namespace}"` : r.namespaced ? ' at the cluster scope' : ''}`,
      details(r, name ?? ''),
    ),
  badRequest: (message: string) => new KubeError(400, 'BadRequest', message),
  unsupportedMediaType: (type: string, accepted: string[]) =>
    new KubeError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      { causes: [{ message: `unsupported media type ${type}` }] },
    ),
  methodNotAllowed: () =>
    new KubeError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    ),
  unauthorized: () => new KubeError(401, 'Unauthorized', 'Unauthorized'),
  tooManyRequests: (message: string, causes: unknown[]) =>
    new KubeError(429, 'TooManyRequests', message, { causes }),
};
