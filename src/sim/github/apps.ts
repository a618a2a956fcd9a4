// GitHub Apps as GitHub authenticates them: an app signs a JWT (RS256) with its private
// key; GitHub verifies it against the public key registered for the app, checks its
// times, and for an installation of the app issues an installation access token
// (`ghs_…`, one hour) that then acts on the installation's repositories as the app's
// bot, `<slug>[bot]`. Tests register apps with the public key of a pair they made.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { DOCS, HttpError, type Reply } from './http.js';
import { newId, type RepoState } from './state.js';
import { user } from './render.js';

export interface AppRegistration {
  /** The app's id (the JWT's `iss`). */
  id: number;
  /** The app's slug: its bot acts as `<slug>[bot]`. */
  slug: string;
  /** The public half of the app's key, PEM or a KeyObject. */
  publicKey: string | KeyObject;
  /** `owner/name` of the repositories the installation covers. Default: every repository. */
  repos?: string[];
  /** Lifetime of the installation tokens issued. Default 3600 s, as on GitHub. */
  tokenTtlSeconds?: number;
  /** The installation's permissions. Default: contents write, metadata read. */
  permissions?: Record<string, 'read' | 'write'>;
}

interface App {
  id: number;
  slug: string;
  publicKey: KeyObject;
  installationId: number;
  /** Lower-case `owner/name`s, or undefined for all repositories. */
  repos: Set<string> | undefined;
  tokenTtlMs: number;
  permissions: Record<string, 'read' | 'write'>;
  createdAt: string;
}

export interface IssuedToken {
  token: string;
  appId: number;
  installationId: number;
  /** Emulator clock, ms. */
  issuedAt: number;
  expiresAt: number;
}

/** The credentials a request carried, once checked. */
export type AppCredential =
  | { kind: 'jwt'; app: App }
  | { kind: 'installation'; app: App; login: string }
  | { kind: 'refused'; reply: Reply };

/** GitHub lets a JWT live at most 10 minutes, and allows this much clock drift. */
const JWT_MAX_SECONDS = 600;
const SKEW_SECONDS = 60;

const unauthorized = (message: string): Reply => ({
  status: 401,
  body: { message, documentation_url: DOCS, status: '401' },
});

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class AppRegistry {
  private readonly apps = new Map<number, App>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Every installation token issued, oldest first (tests read it). */
  readonly issued: IssuedToken[] = [];

  /** Registers an app and installs it; returns the installation's id. */
  register(registration: AppRegistration): number {
    if (!Number.isInteger(registration.id) || registration.id <= 0)
      throw new Error(`app id must be a positive integer, got ${registration.id}`);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(registration.slug))
      throw new Error(
        `app slug must be lower-case letters, digits and '-', got ${registration.slug}`,
      );
    const app: App = {
      id: registration.id,
      slug: registration.slug,
      publicKey:
        typeof registration.publicKey === 'string'
          ? createPublicKey(registration.publicKey)
          : registration.publicKey,
      installationId: newId(),
      repos: registration.repos
        ? new Set(registration.repos.map((r) => r.toLowerCase()))
        : undefined,
      tokenTtlMs: (registration.tokenTtlSeconds ?? 3600) * 1000,
      permissions: registration.permissions ?? { contents: 'write', metadata: 'read' },
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.apps.set(app.id, app);
    return app.installationId;
  }

  /**
   * What a bearer credential is: an app's JWT (verified), an installation token (unexpired),
   * or neither (undefined: the caller's other token kinds apply).
   */
  authenticate(token: string, nowMs: number): AppCredential | undefined {
    if (JWT_SHAPE.test(token)) return this.verifyJwt(token, nowMs);
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    const app = this.apps.get(issued.appId);
    if (!app || nowMs >= issued.expiresAt)
      return { kind: 'refused', reply: unauthorized('Bad credentials') };
    return { kind: 'installation', app, login: `${app.slug}[bot]` };
  }

  /** Whether an installation token may see the repository (GitHub hides others: 404). */
  covers(app: App, repo: RepoState): boolean {
    return !app.repos || app.repos.has(repo.fullName.toLowerCase());
  }

  /** GET /repos/{owner}/{repo}/installation, for the app the JWT names. */
  repoInstallation(app: App, repo: RepoState, baseUrl: string): Reply {
    if (!this.covers(app, repo)) throw new HttpError(404, 'Not Found');
    return { status: 200, body: this.installation(app, repo.owner, baseUrl) };
  }

  /** POST /app/installations/{installation_id}/access_tokens. */
  createToken(app: App, installationId: number, nowMs: number): Reply {
    if (installationId !== app.installationId) throw new HttpError(404, 'Not Found');
    const issued: IssuedToken = {
      token: `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`,
      appId: app.id,
      installationId,
      issuedAt: nowMs,
      // GitHub states expiry to the second.
      expiresAt: Math.floor((nowMs + app.tokenTtlMs) / 1000) * 1000,
    };
    this.tokens.set(issued.token, issued);
    this.issued.push(issued);
    return {
      status: 201,
      body: {
        token: issued.token,
        expires_at: new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: app.permissions,
        repository_selection: app.repos ? 'selected' : 'all',
      },
    };
  }

  private installation(app: App, owner: string, baseUrl: string): Record<string, unknown> {
    const id = app.installationId;
    return {
      id,
      account: user(baseUrl, owner),
      repository_selection: app.repos ? 'selected' : 'all',
      access_tokens_url: `${baseUrl}/app/installations/${id}/access_tokens`,
      repositories_url: `${baseUrl}/installation/repositories`,
      html_url: `https://github.com/organizations/${owner}/settings/installations/${id}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: 1,
      target_type: 'Organization',
      permissions: app.permissions,
      events: [],
      created_at: app.createdAt,
      updated_at: app.createdAt,
      single_file_name: null,
      suspended_by: null,
      suspended_at: null,
    };
  }

  /** GitHub's checks of an app's JWT, with its messages. */
  private verifyJwt(jwt: string, nowMs: number): AppCredential {
    const undecodable: AppCredential = {
      kind: 'refused',
      reply: unauthorized('A JSON web token could not be decoded'),
    };
    const [head = '', body = '', signature = ''] = jwt.split('.');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      return undecodable;
    }
    if (header.alg !== 'RS256' || typeof claims !== 'object' || claims === null) return undecodable;
    const iss = typeof claims.iss === 'string' ? Number(claims.iss) : claims.iss;
    if (typeof iss !== 'number' || !Number.isInteger(iss))
      return { kind: 'refused', reply: unauthorized("'Issuer' claim ('iss') must be an Integer") };
    const app = this.apps.get(iss);
    if (!app) return undecodable;
    const signed = verify(
      'sha256',
      Buffer.from(`${head}.${body}`),
      app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return undecodable;
    const now = Math.floor(nowMs / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + SKEW_SECONDS)
      return {
        kind: 'refused',
        reply: unauthorized(
          "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
        ),
      };
    if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= now - SKEW_SECONDS)
      return {
        kind: 'refused',
        reply: unauthorized(
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
        ),
      };
    if (exp - iat > JWT_MAX_SECONDS || exp > now + JWT_MAX_SECONDS + SKEW_SECONDS)
      return {
        kind: 'refused',
        reply: unauthorized("'Expiration time' claim ('exp') is too far in the future"),
      };
    return { kind: 'jwt', app };
  }
}
