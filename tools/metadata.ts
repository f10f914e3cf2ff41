/** Tenant metadata tools: the picklist values behind statuses, priorities, queues, note types and more. */

import * as z from "zod";
import { supportsRoot } from "../lib/autotask/catalog.ts";
import { parentIdField } from "../lib/autotask/routes.ts";
import {
  defineTool,
  InputError,
  requireEntityArg,
  type ToolModule,
  udfDefinitions,
} from "../lib/mcp/mod.ts";

function scalar(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** The metadata tools: the core toolset, always on. */
export const metadata: ToolModule = {
  resources: [],
  tools: [
    defineTool({
      name: "list_field_values",
      title: "List field values",
      description:
        "The tenant's values and labels of a picklist field (status, queueID, publish, ...); parentValue narrows dependent lists.",
      kind: "read",
      toolset: "core",
      openWorld: false,
      input: z.object({
        entity: z.string().trim().min(1).max(100),
        field: z.string().trim().min(1).max(100),
        parentValue: z.union([z.number().int(), z.string().trim().min(1).max(100)]).optional()
          .describe("Dependent lists: values under this parent"),
        includeInactive: z.boolean().optional(),
      }),
      output: z.looseObject({ values: z.array(z.record(z.string(), z.unknown())) }),
      handler: async ({ entity, field, parentValue, includeInactive }, ctx) => {
        const entry = requireEntityArg(entity);
        const fields = await ctx.client.fields(entry.name, { signal: ctx.signal });
        const info = fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
        if (!info) {
          throw new InputError(`${entry.name} has no field "${field}"`);
        }
        if (!info.isPickList) {
          throw new InputError(
            `${entry.name}.${info.name} is not a picklist${
              info.isReference
                ? `: it references ${info.referenceEntityType}; search that entity`
                : ""
            }`,
          );
        }
        let values = info.picklistValues ?? [];
        if (!includeInactive) values = values.filter((v) => v.isActive !== false);
        if (parentValue !== undefined) {
          if (!info.picklistParentValueField) {
            throw new InputError(
              `${entry.name}.${info.name} does not depend on another field: drop parentValue`,
            );
          }
          values = values.filter((v) => v.parentValue === String(parentValue));
        }
        values = [...values].sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
        const result: Record<string, unknown> = {
          entity: entry.name,
          field: info.name,
          values: values.map((v) => ({
            value: scalar(v.value),
            label: v.label,
            ...(v.isDefaultValue ? { isDefault: true } : {}),
            ...(includeInactive ? { isActive: v.isActive !== false } : {}),
            ...(v.parentValue ? { parentValue: scalar(v.parentValue) } : {}),
          })),
        };
        if (info.picklistParentValueField) result.parentField = info.picklistParentValueField;
        return result;
      },
    }),
    defineTool({
      name: "describe_entity",
      title: "Describe an entity",
      description:
        "Fields of any entity (type, required, read-only, picklist, reference), its user-defined fields and allowed operations.",
      kind: "read",
      toolset: "core",
      openWorld: false,
      input: z.object({
        entity: z.string().trim().min(1).max(100),
      }),
      output: z.looseObject({ fields: z.array(z.string()) }),
      handler: async ({ entity }, ctx) => {
        const entry = requireEntityArg(entity);
        const operations: string[] =
          (["query", "count", "get", "create", "update", "delete"] as const)
            .filter((verb) => supportsRoot(entry, verb));
        for (const child of entry.children) {
          const writes = child.verbs.filter((v) =>
            v === "create" || v === "update" || v === "delete"
          );
          if (writes.length > 0) {
            operations.push(
              `${writes.join("/")} under ${child.parent}/{${
                parentIdField(child.parent)
              }}/${child.segment}`,
            );
          }
        }
        if (!supportsRoot(entry, "info")) {
          return { entity: entry.name, operations, fields: Object.keys(entry.fields) };
        }
        const fields = await ctx.client.fields(entry.name, { signal: ctx.signal });
        // One line per field keeps a 100-field entity readable and small.
        const lines = fields.map((f) => {
          const parts = [f.name, f.dataType];
          if (f.isRequired) parts.push("required");
          if (f.isReadOnly) parts.push("read-only");
          if (f.isPickList) {
            const active = (f.picklistValues ?? []).filter((v) => v.isActive !== false).length;
            parts.push(
              `picklist(${active} values${
                f.picklistParentValueField ? `, under ${f.picklistParentValueField}` : ""
              })`,
            );
          }
          if (f.isReference && f.referenceEntityType) parts.push(`-> ${f.referenceEntityType}`);
          if (f.isQueryable === false) parts.push("not queryable");
          return parts.join(" ");
        });
        const result: Record<string, unknown> = { entity: entry.name, operations, fields: lines };
        if (Object.values(entry.fields).includes("udfs")) {
          const udfs = await udfDefinitions(ctx, entry.name);
          if (udfs.length > 0) {
            result.userDefinedFields = udfs.map((u) => `${u.name}: ${u.dataType}`);
          }
        }
        return result;
      },
    }),
  ],
};
