/** Which role a resource works in: Autotask needs one for assignments and ticket/task time. */

import type { AutotaskClient, AutotaskRecord } from "./client.ts";
import { AutotaskError } from "./errors.ts";
import { eq } from "./query.ts";

/** A chosen role and why it was chosen (reported to the caller). */
export interface RoleChoice {
  roleID: number;
  source: "assignment" | "service desk role" | "default service desk role" | "resource role";
}

/**
 * Picks a role the resource holds, in Autotask's own order of preference:
 * the work item's assigned role when the resource is its assignee, else the
 * resource's default (then any active) service-desk role, else its
 * `defaultServiceDeskRoleID`, else any active role. Fails with a message
 * telling the caller to pass `roleID` when the resource holds none.
 */
export async function chooseRole(
  client: AutotaskClient,
  resourceId: number,
  options: { workItem?: AutotaskRecord | null; signal?: AbortSignal } = {},
): Promise<RoleChoice> {
  const { workItem, signal } = options;
  const assignedRole = workItem?.assignedResourceRoleID;
  if (workItem?.assignedResourceID === resourceId && typeof assignedRole === "number") {
    return { roleID: assignedRole, source: "assignment" };
  }
  const deskRoles = await client.query("ResourceServiceDeskRoles", {
    filter: [eq("resourceID", resourceId), eq("isActive", true)],
    includeFields: ["roleID", "isDefault"],
    signal,
  });
  const preferred = deskRoles.items.find((r) => r.isDefault === true) ?? deskRoles.items[0];
  if (preferred && typeof preferred.roleID === "number") {
    return { roleID: preferred.roleID, source: "service desk role" };
  }
  const resource = await client.get("Resources", resourceId, { signal });
  if (!resource) {
    throw new AutotaskError(
      `Resource ${resourceId} was not found: check resourceID (search_resources lists them)`,
      {
        category: "not_found",
        operation: "get",
        entity: "Resources",
      },
    );
  }
  if (typeof resource.defaultServiceDeskRoleID === "number") {
    return { roleID: resource.defaultServiceDeskRoleID, source: "default service desk role" };
  }
  const roles = await client.query("ResourceRoles", {
    filter: [eq("resourceID", resourceId), eq("isActive", true)],
    includeFields: ["roleID"],
    maxRecords: 1,
    signal,
  });
  const any = roles.items[0];
  if (any && typeof any.roleID === "number") return { roleID: any.roleID, source: "resource role" };
  throw new AutotaskError(
    `Resource ${resourceId} holds no active role in Autotask, which ticket and task work requires: pass roleID explicitly`,
    { category: "validation", operation: "create", entity: "Resources" },
  );
}
