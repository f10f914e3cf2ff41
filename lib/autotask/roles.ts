/** Which role a resource works in: Autotask needs one for assignments and ticket/task time. */

import type { AutotaskClient, AutotaskRecord } from "./client.ts";
import { AutotaskError } from "./errors.ts";
import { eq, type Filter } from "./query.ts";

/** A chosen role and why it was chosen (reported to the caller). */
export interface RoleChoice {
  roleID: number;
  source:
    | "assignment"
    | "secondary assignment"
    | "service desk role"
    | "default service desk role"
    | "resource role";
}

/** A ticket or a task that time is logged on, and the record read for it. */
export interface WorkItem {
  entity: "Tickets" | "Tasks";
  id: number;
  record: AutotaskRecord;
}

/** Options of {@linkcode chooseRole}. */
export interface ChooseRoleOptions {
  /** The ticket or task the role is for, as read (its assignee and assigned role). */
  workItem?: AutotaskRecord | null;
  /**
   * The same work item with its kind: the role then follows Autotask's time
   * entry rule, secondary resources included (one more query when the
   * resource is not the primary assignee).
   */
  work?: WorkItem;
  signal?: AbortSignal;
}

/** Where a work item's secondary resources (and their roles) are kept. */
const SECONDARY: Record<WorkItem["entity"], { entity: string; field: string }> = {
  Tickets: { entity: "TicketSecondaryResources", field: "ticketID" },
  Tasks: { entity: "TaskSecondaryResources", field: "taskID" },
};

/** The resource's role on the work item: primary (assignedResourceRoleID) or secondary. */
async function roleOnWork(
  client: AutotaskClient,
  resourceId: number,
  options: ChooseRoleOptions,
): Promise<RoleChoice | undefined> {
  const record = options.work?.record ?? options.workItem;
  const assignedRole = record?.assignedResourceRoleID;
  if (record?.assignedResourceID === resourceId && typeof assignedRole === "number") {
    return { roleID: assignedRole, source: "assignment" };
  }
  if (!options.work) return undefined;
  const secondary = SECONDARY[options.work.entity];
  const rows = await client.query(secondary.entity, {
    filter: [eq(secondary.field, options.work.id), eq("resourceID", resourceId)],
    includeFields: ["id", "roleID"],
    maxRecords: 1,
    signal: options.signal,
  });
  const roleID = rows.items[0]?.roleID;
  return typeof roleID === "number" ? { roleID, source: "secondary assignment" } : undefined;
}

/**
 * Picks a role the resource holds, following Autotask's own rule for time on
 * a ticket or task: the work item's `assignedResourceRoleID` when the
 * resource is its primary assignee, its role as a secondary resource when it
 * is one (with `work`). Otherwise (and for assignments) the resource's
 * default (then any active) service-desk role, else its
 * `defaultServiceDeskRoleID`, else any active role. Fails with a message
 * telling the caller to pass `roleID` when the resource holds none.
 */
export async function chooseRole(
  client: AutotaskClient,
  resourceId: number,
  options: ChooseRoleOptions = {},
): Promise<RoleChoice> {
  const { signal } = options;
  const onWork = await roleOnWork(client, resourceId, options);
  if (onWork) return onWork;
  const deskRoles = await client.query("ResourceServiceDeskRoles", {
    filter: [eq("resourceID", resourceId), eq("isActive", true)],
    includeFields: ["id", "roleID", "isDefault"],
    signal,
  });
  const preferred = deskRoles.items.find((r) => r.isDefault === true) ?? deskRoles.items[0];
  if (preferred && typeof preferred.roleID === "number") {
    return { roleID: preferred.roleID, source: "service desk role" };
  }
  const resource = await client.get("Resources", resourceId, { signal });
  if (!resource) {
    throw new AutotaskError(`Resource ${resourceId} was not found: check resourceID`, {
      category: "not_found",
      operation: "get",
      entity: "Resources",
    });
  }
  if (typeof resource.defaultServiceDeskRoleID === "number") {
    return { roleID: resource.defaultServiceDeskRoleID, source: "default service desk role" };
  }
  const roles = await client.query("ResourceRoles", {
    filter: [eq("resourceID", resourceId), eq("isActive", true)],
    includeFields: ["id", "roleID"],
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

/** A role a resource can log time in on a work item, with its name and why. */
export interface UsableRole {
  roleID: number;
  name?: string;
  /** "assigned", "secondary", "service desk", "default service desk" or "resource". */
  why: string;
}

/**
 * The roles `resourceId` can log time in on `work`: its primary or secondary
 * role there, then (tickets) its active service-desk roles or (tasks) its
 * active resource roles, each once, named from `Roles`. For an error that
 * lists the choices after Autotask refused a role.
 */
export async function usableRoles(
  client: AutotaskClient,
  resourceId: number,
  options: { work: WorkItem; signal?: AbortSignal },
): Promise<UsableRole[]> {
  const { work, signal } = options;
  const found: UsableRole[] = [];
  const add = (roleID: unknown, why: string) => {
    if (typeof roleID === "number" && !found.some((r) => r.roleID === roleID)) {
      found.push({ roleID, why });
    }
  };
  const onWork = await roleOnWork(client, resourceId, { work, signal });
  if (onWork) add(onWork.roleID, onWork.source === "assignment" ? "assigned" : "secondary");
  const held = work.entity === "Tickets" ? "ResourceServiceDeskRoles" : "ResourceRoles";
  const rows = await client.query(held, {
    filter: [eq("resourceID", resourceId), eq("isActive", true)],
    includeFields: ["id", "roleID"],
    signal,
  });
  for (const row of rows.items) {
    add(row.roleID, work.entity === "Tickets" ? "service desk" : "resource");
  }
  if (found.length === 0) return found;
  const idFilter: Filter = { op: "in", field: "id", value: found.map((r) => r.roleID) };
  const names = await client.query("Roles", {
    filter: [idFilter],
    includeFields: ["id", "name"],
    signal,
  });
  for (const role of found) {
    const name = names.items.find((r) => r.id === role.roleID)?.name;
    if (typeof name === "string") role.name = name;
  }
  return found;
}
