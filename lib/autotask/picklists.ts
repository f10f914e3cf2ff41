/** Tenant picklists: label <-> value, defaults and dependent lists, read from entityInformation/fields. */

import type { AutotaskClient, FieldInfo, PicklistValue } from "./client.ts";
import { AutotaskError } from "./errors.ts";

/** A picklist value as records hold it: numeric strings become numbers. */
export type PicklistScalar = number | string;

/** Options for {@linkcode Picklists.resolve}. */
export interface ResolveOptions {
  /** For dependent picklists (subIssueType under issueType): the parent's value. */
  parentValue?: PicklistScalar;
  signal?: AbortSignal;
}

function toScalar(value: string): PicklistScalar {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

/**
 * Resolves picklist input given as a value or a tenant label. Nothing is
 * hard-coded: labels and values differ between tenants, and a wrong guess can
 * publish an internal note to a customer.
 */
export class Picklists {
  readonly #client: AutotaskClient;

  constructor(client: AutotaskClient) {
    this.#client = client;
  }

  /** The field's metadata, or a validation error naming the field when it is not a picklist. */
  async field(entity: string, field: string, signal?: AbortSignal): Promise<FieldInfo> {
    const fields = await this.#client.fields(entity, { signal });
    const info = fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
    if (!info || !info.isPickList) {
      throw new AutotaskError(
        `${entity}.${field} is not a picklist field in this Autotask tenant`,
        {
          category: "validation",
          operation: "metadata",
          entity,
        },
      );
    }
    return info;
  }

  /** Active values of a picklist (optionally only those under a parent value). */
  async values(
    entity: string,
    field: string,
    options: ResolveOptions = {},
  ): Promise<PicklistValue[]> {
    const info = await this.field(entity, field, options.signal);
    let values = (info.picklistValues ?? []).filter((v) => v.isActive !== false);
    if (options.parentValue !== undefined && info.picklistParentValueField) {
      const parent = String(options.parentValue);
      values = values.filter((v) => (v.parentValue ?? "") === parent);
    }
    return values.sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
  }

  /**
   * Turns a value (`8`, `"8"`) or a label (`"in progress"`, any case) into the
   * value records hold. Unknown input is a validation error listing the
   * tenant's valid choices.
   */
  async resolve(
    entity: string,
    field: string,
    input: PicklistScalar,
    options: ResolveOptions = {},
  ): Promise<PicklistScalar> {
    const values = await this.values(entity, field, options);
    const text = String(input).trim();
    const byValue = values.find((v) => v.value === text);
    if (byValue) return toScalar(byValue.value);
    const byLabel = values.filter((v) => normalize(v.label) === normalize(text));
    if (byLabel.length === 1) return toScalar(byLabel[0].value);
    const choices = values.slice(0, 40).map((v) => `${v.value} (${v.label})`).join(", ");
    const more = values.length > 40 ? `, and ${values.length - 40} more` : "";
    const under = options.parentValue !== undefined ? ` under ${options.parentValue}` : "";
    const why = byLabel.length > 1 ? "matches several values" : "is not a valid value or label";
    throw new AutotaskError(
      `"${text}" ${why} for ${entity}.${field}${under}. Valid values in this tenant: ${choices}${more}`,
      { category: "validation", operation: "metadata", entity },
    );
  }

  /** The tenant's label for a stored value, or undefined. */
  async label(
    entity: string,
    field: string,
    value: unknown,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    if (value === null || value === undefined) return undefined;
    const info = await this.field(entity, field, signal);
    return (info.picklistValues ?? []).find((v) => v.value === String(value))?.label;
  }

  /** The tenant's default value (`isDefaultValue`), or undefined when none is marked. */
  async defaultValue(
    entity: string,
    field: string,
    signal?: AbortSignal,
  ): Promise<PicklistScalar | undefined> {
    const values = await this.values(entity, field, { signal });
    const found = values.find((v) => v.isDefaultValue);
    return found ? toScalar(found.value) : undefined;
  }

  /** True when `value` is an active value of the picklist. */
  async has(
    entity: string,
    field: string,
    value: PicklistScalar,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const values = await this.values(entity, field, { signal });
    return values.some((v) => v.value === String(value));
  }
}
