/** Front door of the Autotask REST client: what the tools, the tool kit and the entry use. */

export {
  AutotaskClient,
  type AutotaskRecord,
  type CallerBinding,
  type CallOptions,
  type ChildOptions,
  type ClientOptions,
  type ClientStats,
  type EntityInfo,
  type FieldInfo,
  type Page,
  type PicklistValue,
  type QueryAllOptions,
  type QueryAllResult,
  type QueryOptions,
  type ThresholdInfo,
  type WriteEvent,
} from "./client.ts";
export {
  type Acting,
  API_ONLY_LICENSE_TYPE,
  honoursImpersonation,
  impersonationFailure,
} from "./impersonation.ts";
export {
  ResourceDirectory,
  type ResourceDirectoryOptions,
  type UserMapping,
} from "./resource_directory.ts";
export {
  type AutotaskConfig,
  ConfigError,
  CREDENTIAL_VARS,
  type Credentials,
  ENV_HELP,
  ENV_VARS,
  type EnvReader,
  type EnvVar,
  loadBudgetShares,
  loadConfig,
  loadRedisTarget,
  loadUserBudgetShare,
  processEnv,
  type RedisTarget,
} from "./config.ts";
export {
  AutotaskError,
  type ErrorCategory,
  type FailureKind,
  isBudgetRefusal,
  type LimitKind,
  type Operation,
} from "./errors.ts";
export { DEFAULT_BUDGET_HARD, DEFAULT_BUDGET_WARN } from "./budget.ts";
export type { SharedLimits } from "./shared_limits.ts";
export type { FetchFn } from "./http.ts";
export {
  allRows,
  anyOf,
  contains,
  eq,
  type Filter,
  type FilterValue,
  inList,
  LEAF_OPERATORS,
  type LeafFilter,
  type LeafOperator,
  MAX_OR_CONDITIONS,
  MAX_PAGE_SIZE,
  type QueryModel,
} from "./query.ts";
export { parentIdField } from "./routes.ts";
export {
  CATALOG,
  type CatalogEntry,
  type ChildRoute,
  childRoute,
  entityNames,
  findEntity,
  requireEntity,
  type RootVerb,
  supportsRoot,
} from "./catalog.ts";
export { NameResolver, type NameResolverOptions } from "./names.ts";
export { Picklists, type PicklistScalar } from "./picklists.ts";
export { chooseRole, type RoleChoice, usableRoles, type WorkItem } from "./roles.ts";
export {
  type Callout,
  type CalloutAction,
  calloutKey,
  type CalloutValue,
  importHookKey,
  kindOfEntityType,
  parseCallout,
  verifyHookSignature,
  WEBHOOK_ERROR_LOG,
  WEBHOOK_KINDS,
  type WebhookKind,
  webhookKind,
} from "./webhooks.ts";
export { ZONE_DISCOVERY_URL } from "./zone.ts";
