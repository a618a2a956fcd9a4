// Repository, branch and collaborator-permission reads; repository_dispatch events.
import { asObject, HttpError, notFound, type Handler } from '../http.js';
import { repository, user } from '../render.js';
import type { Permission } from '../state.js';
import { emitRepositoryDispatch } from '../webhooks.js';

/** The legacy `permission` field folds maintain into write and triage into read. */
const LEGACY: Record<Permission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

const getRepo: Handler = (ctx) => ({ status: 200, body: repository(ctx.baseUrl, ctx.repo) });

const getBranch: Handler = (ctx) => {
  const name = ctx.params.branch!;
  const sha = ctx.repo.refs.get(`refs/heads/${name}`);
  if (!sha) throw notFound();
  const commit = ctx.repo.git.commits.get(sha)!;
  const api = `${ctx.baseUrl}/repos/${ctx.repo.fullName}`;
  return {
    status: 200,
    body: {
      name,
      commit: {
        sha,
        url: `${api}/commits/${sha}`,
        commit: {
          message: commit.message,
          author: commit.author,
          committer: commit.committer,
          tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
        },
        parents: commit.parents.map((p) => ({ sha: p, url: `${api}/commits/${p}` })),
      },
      protected: ctx.repo.protections.has(name),
      protection_url: `${api}/branches/${name}/protection`,
      _links: {
        html: `https://github.com/${ctx.repo.fullName}/tree/${name}`,
        self: `${api}/branches/${name}`,
      },
    },
  };
};

const getPermission: Handler = (ctx) => {
  const login = ctx.params.username!;
  const role = ctx.repo.collaborators.get(login);
  const fallback = ctx.repo.visibility === 'public' ? 'read' : 'none';
  return {
    status: 200,
    body: {
      permission: role ? LEGACY[role] : fallback,
      role_name: role ?? fallback,
      user: {
        ...user(ctx.baseUrl, login),
        permissions: {
          admin: role === 'admin',
          maintain: role === 'maintain' || role === 'admin',
          push: !!role && role !== 'read' && role !== 'triage',
          triage: !!role && role !== 'read',
          pull: !!role || fallback === 'read',
        },
        role_name: role ?? fallback,
      },
    },
  };
};

/** GitHub's documented bound: "The total size of the JSON payload must be less than 64KB." */
const CLIENT_PAYLOAD_BYTES = 64 * 1024;

/** The request was validated against GitHub's schema (event_type, at most 10 payload keys). */
const createDispatch: Handler = (ctx) => {
  const body = asObject(ctx.body);
  const size = Buffer.byteLength(JSON.stringify(body.client_payload ?? {}), 'utf8');
  if (size >= CLIENT_PAYLOAD_BYTES)
    throw new HttpError(
      422,
      `Invalid request.\n\nclient_payload is ${size} bytes; the total size of the JSON payload must be less than 64KB.`,
    );
  const dispatch = {
    eventType: String(body.event_type),
    clientPayload: (body.client_payload as Record<string, unknown> | undefined) ?? {},
    sender: ctx.login,
  };
  ctx.repo.dispatches.push(dispatch);
  emitRepositoryDispatch(ctx, dispatch.eventType, dispatch.clientPayload);
  return { status: 204 };
};

const getTeamMembership: Handler = (ctx) => {
  const members = ctx.repo.teams.get(ctx.params.team_slug ?? '');
  const login = ctx.params.username ?? '';
  if (!members?.has(login)) throw notFound();
  return {
    status: 200,
    body: {
      url: `${ctx.baseUrl}/organizations/1/team/1/memberships/${login}`,
      role: 'member',
      state: 'active',
    },
  };
};

export const repoHandlers: Record<string, Handler> = {
  'teams/get-membership-for-user-in-org': getTeamMembership,
  'repos/create-dispatch-event': createDispatch,
  'repos/get': getRepo,
  'repos/get-branch': getBranch,
  'repos/get-collaborator-permission-level': getPermission,
};
