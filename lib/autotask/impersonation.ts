/** Acting as a person in Autotask: which entities honour ImpersonationResourceId, and why Autotask refused. */

import { findEntity } from "./catalog.ts";
import { AutotaskError } from "./errors.ts";

/** The license type of API-only users: Autotask never lets them be impersonated. */
export const API_ONLY_LICENSE_TYPE = 7;

/**
 * True when Autotask records who acted on `entity` through `ImpersonationResourceId`: the
 * swagger gives exactly those entities an `impersonatorCreatorResourceID` field (tickets, ticket
 * notes, time entries, companies, contacts, projects, project and task notes, configuration
 * items, attachments, opportunities, service calls, ...). Elsewhere the header is not sent.
 */
export function honoursImpersonation(entity: string | undefined): boolean {
  if (entity === undefined) return false;
  const fields = findEntity(entity)?.fields;
  return fields !== undefined && "impersonatorCreatorResourceID" in fields;
}

/** Who a call acts for: the user's key (for messages) and the resource impersonated. */
export interface Acting {
  user: string;
  resourceId: number;
}

const ENABLE_IMPERSONATION =
  'an Autotask administrator can turn on "Allow impersonation of resources with this security ' +
  "level\" in that resource's security level (Admin > Security Levels > Web Services API)";

/**
 * Rewrites an error Autotask answered to a request made as `acting`: when it refused the
 * impersonation itself, or the impersonated resource lacks a right, the message says so and
 * why, and that nothing was done under anyone's name. Other errors come back unchanged.
 */
export function impersonationFailure(error: AutotaskError, acting: Acting): AutotaskError {
  if (error.failure !== "http") return error;
  const text = error.errors.join(" ");
  const who = `resource ${acting.resourceId} (${acting.user})`;
  const said = error.errors.length > 0 ? ` Autotask said: ${error.errors.join(" | ")}` : "";
  const nothing = "Nothing was done, and nothing was sent under the API user's name instead.";
  let message: string | undefined;
  if (/impersonat/i.test(text)) {
    const why = /api[- ]?only|license/i.test(text)
      ? "API-only resources (licenseType 7) cannot be impersonated: map this user to their own " +
        "staff resource (resource=ID in MCP_USERS)"
      : /security level|not allow|not permitted/i.test(text)
      ? `the resource's security level does not allow impersonation: ${ENABLE_IMPERSONATION}`
      : /active|exist|reference/i.test(text)
      ? "the resource is inactive or does not exist: map this user to an active resource " +
        "(resource=ID in MCP_USERS)"
      : `the resource's security level must allow impersonation (${ENABLE_IMPERSONATION}), ` +
        "and API-only resources cannot be impersonated";
    message = `Autotask refused to act as ${who}: ${why}. ${nothing}${said}`;
  } else if (error.category === "permission") {
    message =
      `The security level of ${who} does not allow the ${error.operation}${
        error.entity ? ` of ${error.entity}` : ""
      } (acting as a person, Autotask applies that person's rights, and the API user's ` +
      `impersonation rights for the entity): an Autotask administrator can grant it. ${nothing}${said}`;
  }
  if (message === undefined) return error;
  return new AutotaskError(message, {
    category: "permission",
    operation: error.operation,
    entity: error.entity,
    status: error.status,
    errors: error.errors,
    failure: error.failure,
    cause: error,
  });
}
