// Incident identity (docs/architecture.md): the key that says two alerts are one problem,
// and the names derived from it. Branch and file names are slugs from a fixed alphabet
// plus a hash of the key, so payload text can never shape a path or a ref.
import { createHash } from 'node:crypto';
import type { Alert } from './model.js';

export const GROUP_BY_FIELDS = ['cluster', 'title', 'namespace', 'workload', 'name'] as const;
export type GroupBy = (typeof GROUP_BY_FIELDS)[number];
export const DEFAULT_GROUP_BY: GroupBy[] = ['cluster', 'title'];

export interface Identity {
  key: string;
  slug: string;
  hash8: string;
  clusterSlug: string;
  branch: string;
  recordPath: string;
}

/** Lower-case letters, digits and single dashes, at most `max` characters; never empty. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return slug || 'x';
}

export function incidentKey(alert: Alert, groupBy: readonly GroupBy[] = DEFAULT_GROUP_BY): string {
  return groupBy.map((field) => `${field}=${(alert[field] ?? '').toLowerCase()}`).join('\n');
}

export function identityOf(alert: Alert, groupBy: readonly GroupBy[] = DEFAULT_GROUP_BY): Identity {
  const key = incidentKey(alert, groupBy);
  const slug = groupBy.includes('title')
    ? slugify(alert.title)
    : slugify(groupBy.map((f) => alert[f] ?? '').join(' '));
  return named(key, slugify(alert.cluster, 40), slug);
}

/**
 * The identity a record's key and cluster name: how a stage that holds only the record
 * (an issue's body) finds the incident's branch. The key's values are lower-cased, which
 * slugify does anyway, so the names are the ones intake derived from the alert.
 */
export function identityOfRecord(record: { key: string; cluster: string }): Identity {
  const fields = record.key.split('\n').map((line) => {
    const at = line.indexOf('=');
    return [line.slice(0, at), line.slice(at + 1)] as const;
  });
  const title = fields.find(([f]) => f === 'title');
  const slug = title ? slugify(title[1]) : slugify(fields.map(([, v]) => v).join(' '));
  return named(record.key, slugify(record.cluster, 40), slug);
}

function named(key: string, clusterSlug: string, slug: string): Identity {
  const hash8 = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    key,
    slug,
    hash8,
    clusterSlug,
    branch: `kubemend/${clusterSlug}/${slug}-${hash8}`,
    recordPath: `alerts/incoming/${clusterSlug}/${slug}-${hash8}.yaml`,
  };
}

/** The record file of an incident branch (identityOf's pair); undefined for any other branch. */
export function recordPathOf(branch: string): string | undefined {
  const m = /^kubemend\/([a-z0-9-]+)\/([a-z0-9-]+-[0-9a-f]{8})$/.exec(branch);
  return m ? `alerts/incoming/${m[1]}/${m[2]}.yaml` : undefined;
}
