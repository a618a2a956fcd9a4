// Every operation the GitHub emulator implements, by operationId: the server routes to
// them, and scripts/sim-openapi.ts keeps exactly their part of GitHub's REST description.
import type { Handler } from '../http.js';
import { contentHandlers } from './contents.js';
import { gitHandlers } from './git.js';
import { issueHandlers } from './issues.js';
import { pullHandlers } from './pulls.js';
import { repoHandlers } from './repos.js';

export const HANDLERS: Record<string, Handler> = {
  ...gitHandlers,
  ...contentHandlers,
  ...pullHandlers,
  ...issueHandlers,
  ...repoHandlers,
};

/** Answered by the server itself, not a handler; the description must still hold them. */
export const SERVER_OPERATIONS = [
  'rate-limit/get',
  // A GitHub App's own endpoints, authenticated by its JWT (apps.ts).
  'apps/get-repo-installation',
  'apps/create-installation-access-token',
];
