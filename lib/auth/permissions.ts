import type { Scope } from "./scopes";

/**
 * Who may call each entry point: every exported server action and every API route, in one table.
 * Roles map to scopes in ROLE_SCOPES (scopes.ts); this table says which scope each entry point
 * needs. test/hardening/authz-matrix.db.test.ts discovers the actions ("use server" modules) and
 * routes (the gateway's OpenAPI document, app/api/**\/route.ts) and fails on any without an entry.
 */
export type ActionAccess =
  /** Built by teamAction: session → membership of input.teamId → scope. */
  | { kind: "team"; scope: Scope; /** Writes rows every team shares (providers, models): also needs the installation admin. */ siteAdmin?: true }
  /** Built by userAction: any signed-in user, acting for themselves. */
  | { kind: "user" }
  /** No session needed (sign-in and sign-up). `callable: false` when it only works inside a Next request. */
  | { kind: "public"; callable: boolean };

/** Keyed `<module path>#<export name>`. */
export const ACTION_PERMISSIONS = {
  "lib/alerts/actions.ts#markNotificationsReadAction": { kind: "team", scope: "team:read" },
  "lib/auth/actions.ts#signInAction": { kind: "public", callable: true },
  "lib/auth/actions.ts#signUpAction": { kind: "public", callable: true },
  "lib/auth/actions.ts#signOutAction": { kind: "public", callable: false },
  "lib/budgets/actions.ts#createBudgetAction": { kind: "team", scope: "budgets:write" },
  "lib/budgets/actions.ts#updateBudgetAction": { kind: "team", scope: "budgets:write" },
  "lib/budgets/actions.ts#deleteBudgetAction": { kind: "team", scope: "budgets:write" },
  "lib/execution/actions.ts#createProviderAction": { kind: "team", scope: "models:admin", siteAdmin: true },
  "lib/execution/actions.ts#updateProviderAction": { kind: "team", scope: "models:admin", siteAdmin: true },
  "lib/execution/actions.ts#testProviderAction": { kind: "team", scope: "models:admin", siteAdmin: true },
  "lib/execution/actions.ts#updateModelAction": { kind: "team", scope: "models:admin", siteAdmin: true },
  "lib/execution/actions.ts#createModelAction": { kind: "team", scope: "models:admin", siteAdmin: true },
  "lib/execution/settings.ts#updateRoutingSettingsAction": { kind: "team", scope: "settings:write" },
  "lib/keys/actions.ts#createApiKeyAction": { kind: "team", scope: "keys:write" },
  "lib/keys/actions.ts#revokeApiKeyAction": { kind: "team", scope: "keys:write" },
  "lib/keys/actions.ts#rotateApiKeyAction": { kind: "team", scope: "keys:write" },
  "lib/keys/actions.ts#setTeamLimitsAction": { kind: "team", scope: "keys:write" },
  "lib/pipelines/actions.ts#createPipelineAction": { kind: "team", scope: "pipelines:write" },
  "lib/pipelines/actions.ts#updatePipelineAction": { kind: "team", scope: "pipelines:write" },
  "lib/pipelines/actions.ts#archivePipelineAction": { kind: "team", scope: "pipelines:write" },
  "lib/pipelines/actions.ts#startRunAction": { kind: "team", scope: "pipelines:run" },
  "lib/pipelines/actions.ts#cancelRunAction": { kind: "team", scope: "pipelines:run" },
  "lib/pipelines/actions.ts#retryStepAction": { kind: "team", scope: "pipelines:run" },
  "lib/pipelines/actions.ts#runSynthesisAction": { kind: "team", scope: "requests:write" },
  "lib/ratings/actions.ts#rateRequestAction": { kind: "team", scope: "ratings:write" },
  "lib/teams/actions.ts#createTeamAction": { kind: "user" },
  "lib/teams/actions.ts#acceptInvitationAction": { kind: "user" },
  "lib/teams/actions.ts#addMemberAction": { kind: "team", scope: "members:write" },
  "lib/teams/actions.ts#changeRoleAction": { kind: "team", scope: "members:write" },
  "lib/teams/actions.ts#removeMemberAction": { kind: "team", scope: "members:write" },
  "lib/teams/actions.ts#revokeInvitationAction": { kind: "team", scope: "members:write" },
  "lib/teams/actions.ts#setTeamTimezoneAction": { kind: "team", scope: "settings:write" },
} as const satisfies Record<string, ActionAccess>;

export type RouteAccess =
  /** /api/v1 (lib/gateway): an API key; the key's team is the only team it sees. */
  | { kind: "apiKey" }
  /** app/api/teams/[team]/**: the Auth.js session, membership of the team in the path, then the scope. */
  | { kind: "session"; scope: Scope; /** Query variants that need more, e.g. `warmStart=1` → settings:write. */ queryScopes?: Record<string, Scope> }
  /** No caller check (health, OpenAPI document, Auth.js's own endpoints). */
  | { kind: "public" };

/** Keyed `<METHOD> <path>`; gateway paths as in its OpenAPI document, Next paths as their folders. */
export const ROUTE_PERMISSIONS = {
  "POST /api/v1/delegate": { kind: "apiKey" },
  "POST /api/v1/delegate/stream": { kind: "apiKey" },
  "POST /api/v1/feedback": { kind: "apiKey" },
  "POST /api/v1/chat/completions": { kind: "apiKey" },
  "GET /api/v1/models": { kind: "apiKey" },
  "GET /api/v1/models/{model}": { kind: "apiKey" },
  "GET /api/v1/spend": { kind: "apiKey" },
  "GET /api/v1/pipelines": { kind: "apiKey" },
  "POST /api/v1/pipelines/{pipeline}/runs": { kind: "apiKey" },
  "GET /api/v1/pipeline-runs/{run}": { kind: "apiKey" },
  "POST /api/v1/pipeline-runs/{run}/cancel": { kind: "apiKey" },
  "GET /api/v1/openapi.json": { kind: "public" },
  "GET /api/health": { kind: "public" },
  "GET /api/auth/[...nextauth]": { kind: "public" },
  "POST /api/auth/[...nextauth]": { kind: "public" },
  "GET /api/teams/[team]/costs.csv": { kind: "session", scope: "team:read" },
  "GET /api/teams/[team]/pipeline-runs/[runId]": { kind: "session", scope: "team:read" },
  "POST /api/teams/[team]/playground": { kind: "session", scope: "requests:write" },
  "POST /api/teams/[team]/simulate": { kind: "session", scope: "requests:write", queryScopes: { "warmStart=1": "settings:write" } },
} as const satisfies Record<string, RouteAccess>;
