/** Lookups: the roles a resource holds (or every role) and the ticket queues with who serves them. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { eq } from "../lib/autotask/query.ts";
import {
  defineTool,
  idSchema,
  readOne,
  type ResourceDescriptor,
  type ToolContext,
  type ToolModule,
} from "../lib/mcp/mod.ts";

/** Roles: what a resource works as (tickets and time need one); list_resource_roles lists them. */
export const ROLES = {
  entity: "Roles",
  label: "Role",
  toolset: "lookups",
  nameFields: ["name"],
  lister: "list_resource_roles",
} satisfies ResourceDescriptor;

/** Most rows a lookup reads from one entity (roles and queues are small tables). */
const LOOKUP_CAP = 2_000;

const listSchema = z.array(z.record(z.string(), z.unknown()));

/** One role of a resource, merged from ResourceServiceDeskRoles and ResourceRoles. */
interface HeldRole {
  roleID: number;
  roleName?: string;
  serviceDesk: boolean;
  isDefault: boolean;
  isActive: boolean;
  departments: string[];
  queues: string[];
}

async function label(
  ctx: ToolContext,
  entity: string,
  field: string,
  value: unknown,
): Promise<string | undefined> {
  if (typeof value !== "number") return undefined;
  try {
    return await ctx.picklists.label(entity, field, value, ctx.signal) ?? String(value);
  } catch (error) {
    // A tenant whose metadata has no picklist there: the value is all there is.
    if (error instanceof AutotaskError && error.category === "validation") return String(value);
    throw error;
  }
}

async function rolesOfResource(
  ctx: ToolContext,
  resourceID: number,
  includeInactive: boolean,
): Promise<Record<string, unknown>> {
  const resource = await readOne(ctx, {
    entity: "Resources",
    id: resourceID,
    fields: ["firstName", "lastName", "defaultServiceDeskRoleID", "isActive"],
  });
  const [desk, held] = await Promise.all([
    ctx.client.queryAll("ResourceServiceDeskRoles", {
      filter: [eq("resourceID", resourceID)],
      includeFields: ["roleID", "isActive", "isDefault"],
      cap: LOOKUP_CAP,
      signal: ctx.signal,
    }),
    ctx.client.queryAll("ResourceRoles", {
      filter: [eq("resourceID", resourceID)],
      includeFields: ["roleID", "departmentID", "queueID", "isActive"],
      cap: LOOKUP_CAP,
      signal: ctx.signal,
    }),
  ]);
  const roles = new Map<number, HeldRole>();
  const entry = (roleID: number): HeldRole => {
    let role = roles.get(roleID);
    if (!role) {
      role = {
        roleID,
        serviceDesk: false,
        isDefault: roleID === resource.defaultServiceDeskRoleID,
        isActive: false,
        departments: [],
        queues: [],
      };
      roles.set(roleID, role);
    }
    return role;
  };
  for (const row of desk.items) {
    if (typeof row.roleID !== "number") continue;
    const role = entry(row.roleID);
    role.serviceDesk = true;
    role.isDefault ||= row.isDefault === true;
    role.isActive ||= row.isActive !== false;
  }
  for (const row of held.items) {
    if (typeof row.roleID !== "number") continue;
    const role = entry(row.roleID);
    role.isActive ||= row.isActive !== false;
    const department = await label(ctx, "ResourceRoles", "departmentID", row.departmentID);
    const queue = await label(ctx, "ResourceRoles", "queueID", row.queueID);
    if (department && !role.departments.includes(department)) role.departments.push(department);
    if (queue && !role.queues.includes(queue)) role.queues.push(queue);
  }
  const names = await ctx.names.names("Roles", new Set(roles.keys()), { signal: ctx.signal });
  const list = [...roles.values()]
    .filter((r) => includeInactive || r.isActive)
    .map((r) => {
      const out: Record<string, unknown> = { roleID: r.roleID };
      const name = names.get(r.roleID);
      if (name) out.roleName = name;
      Object.assign(out, { serviceDesk: r.serviceDesk, isDefault: r.isDefault });
      if (includeInactive) out.isActive = r.isActive;
      if (r.departments.length > 0) out.departments = r.departments;
      if (r.queues.length > 0) out.queues = r.queues;
      return out;
    })
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const result: Record<string, unknown> = {
    resourceID,
    resourceName: `${resource.firstName ?? ""} ${resource.lastName ?? ""}`.trim(),
    roles: list,
  };
  if (resource.isActive === false) result.note = "This resource is inactive";
  return result;
}

async function allRoles(
  ctx: ToolContext,
  includeInactive: boolean,
): Promise<Record<string, unknown>> {
  const { items } = await ctx.client.queryAll("Roles", {
    filter: includeInactive ? [] : [eq("isActive", true)],
    includeFields: ["name", "description", "hourlyRate", "isActive"],
    cap: LOOKUP_CAP,
    signal: ctx.signal,
  });
  return {
    roles: items.map((r: AutotaskRecord) => {
      const out: Record<string, unknown> = { roleID: r.id, roleName: r.name };
      if (r.description) out.description = r.description;
      if (typeof r.hourlyRate === "number") out.hourlyRate = r.hourlyRate;
      if (includeInactive) out.isActive = r.isActive;
      return out;
    }),
  };
}

/** Resource ids per queue value, from ResourceRoles.queueID and ResourceRoleQueues. */
async function queueMembers(
  ctx: ToolContext,
  notes: string[],
): Promise<Map<number, Set<number>>> {
  const members = new Map<number, Set<number>>();
  const add = (row: AutotaskRecord) => {
    if (typeof row.queueID !== "number" || typeof row.resourceID !== "number") return;
    if (row.isActive === false) return;
    const set = members.get(row.queueID) ?? new Set<number>();
    set.add(row.resourceID);
    members.set(row.queueID, set);
  };
  const [roles, roleQueues] = await Promise.all([
    ctx.client.queryAll("ResourceRoles", {
      filter: [{ op: "exist", field: "queueID" }],
      includeFields: ["resourceID", "queueID", "isActive"],
      cap: LOOKUP_CAP,
      signal: ctx.signal,
    }),
    ctx.client.queryAll("ResourceRoleQueues", {
      includeFields: ["resourceID", "queueID"],
      cap: LOOKUP_CAP,
      signal: ctx.signal,
    }).catch((error) => {
      if (!(error instanceof AutotaskError) || error.category === "cancelled") throw error;
      notes.push(`ResourceRoleQueues could not be read (${error.message})`);
      return { items: [] as AutotaskRecord[], truncated: false };
    }),
  ]);
  roles.items.forEach(add);
  roleQueues.items.forEach(add);
  return members;
}

/** The lookups toolset. */
export const lookups: ToolModule = {
  resources: [ROLES],
  tools: [
    defineTool({
      name: "list_resource_roles",
      title: "List resource roles",
      description: "The roles a resource holds (service-desk roles, the default one, departments " +
        "and queues), or every role when no resourceID is given.",
      kind: "read",
      toolset: "lookups",
      openWorld: false,
      input: z.object({
        resourceID: idSchema.optional(),
        includeInactive: z.boolean().optional(),
      }),
      output: z.looseObject({ roles: listSchema }),
      handler: async ({ resourceID, includeInactive }, ctx) =>
        resourceID === undefined
          ? await allRoles(ctx, includeInactive ?? false)
          : await rolesOfResource(ctx, resourceID, includeInactive ?? false),
    }),
    defineTool({
      name: "list_queues",
      title: "List ticket queues",
      description: "The tenant's ticket queues (queueID values and names) and the resources " +
        "who serve each one.",
      kind: "read",
      toolset: "lookups",
      openWorld: false,
      input: z.object({ includeInactive: z.boolean().optional() }),
      output: z.looseObject({ queues: listSchema }),
      handler: async ({ includeInactive }, ctx) => {
        const info = await ctx.picklists.field("Tickets", "queueID", ctx.signal);
        const values = (info.picklistValues ?? [])
          .filter((v) => includeInactive || v.isActive !== false)
          .sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
        const notes: string[] = [];
        const members = await queueMembers(ctx, notes);
        const everyone = new Set([...members.values()].flatMap((s) => [...s]));
        const names = await ctx.names.names("Resources", everyone, { signal: ctx.signal });
        const queues = values.map((v) => {
          const queueID = /^-?\d+$/.test(v.value) ? Number(v.value) : v.value;
          const out: Record<string, unknown> = { queueID, name: v.label };
          if (v.isDefaultValue) out.isDefault = true;
          if (v.isActive === false) out.isActive = false;
          const ids = [...(members.get(Number(v.value)) ?? [])].sort((a, b) => a - b);
          out.resources = ids.map((id) => ({ resourceID: id, name: names.get(id) ?? undefined }));
          return out;
        });
        if (everyone.size === 0) {
          notes.push(
            "This tenant links no resources to queues (ResourceRoles, ResourceRoleQueues)",
          );
        }
        const result: Record<string, unknown> = { queues };
        if (notes.length > 0) result.note = notes.join("; ");
        return result;
      },
    }),
  ],
};
