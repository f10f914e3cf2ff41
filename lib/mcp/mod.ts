/** The tool kit's front door: everything tools/ and the entry import from lib/mcp. */

export { type AuditEntry, AuditLog, type AuditLogOptions, type UserCounts } from "./audit.ts";
export * from "./batch.ts";
export * from "./builders.ts";
export {
  allows,
  authInfoFor,
  type Caller,
  type Identity,
  type IdentityKind,
  identityOf,
  narrowTools,
  policyKey,
  READ_SCOPE,
  TOOLSET_SCOPE_PREFIX,
  WRITE_SCOPE,
} from "./caller.ts";
export { checkChanges, type CheckChangesOptions, prepareExtra, udfDefinitions } from "./changes.ts";
export { getViewOf, type ResourceDescriptor, ResourceRegistry } from "./descriptor.ts";
export { dateCondition, normalizeFilter } from "./filters.ts";
export { type InstructionLine, type InstructionOptions, instructionsFor } from "./instructions.ts";
export * from "./kit.ts";
export { definePrompt, enabledPrompts, type PromptDef } from "./prompts.ts";
export * from "./reads.ts";
export {
  enabledRecords,
  RECORD_SCHEME,
  type RecordResource,
  recordUri,
  recordUriOf,
  registerRecordResources,
} from "./records.ts";
export * from "./schemas.ts";
export {
  createServerFactory,
  SERVER_NAME,
  type ServerFactory,
  type ServerFactoryOptions,
  VERSION,
} from "./server.ts";
export {
  enrich,
  jsonLength,
  labelKey,
  nameKey,
  selectFields,
  type Selection,
  untrustedFieldsIn,
} from "./shape.ts";
export {
  annotationsFor,
  defineTool,
  InputError,
  isWriteTool,
  type ToolContext,
  type ToolDef,
  type ToolDeps,
  type ToolKind,
  type ToolOutput,
  type UserAnswer,
  type WebhookAccess,
} from "./tool.ts";
export { cleanText, cleanValue } from "./untrusted.ts";
export * from "./writes.ts";
