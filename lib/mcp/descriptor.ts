/** The resource descriptor: what the tool kit knows of one Autotask resource, and the registry of them all. */

import { findEntity } from "../autotask/catalog.ts";
import type { AutotaskRecord } from "../autotask/client.ts";

/**
 * One Autotask resource as the product describes it, in one typed object: each
 * `tools/<resource>.ts` exports its descriptors, and `tools/mod.ts` lists them. The tool kit
 * reads per-entity facts only from here (through the builders or the registry), never from
 * tables of its own.
 */
export interface ResourceDescriptor {
  /** Autotask's plural entity name, as the catalog spells it ("Tickets"). */
  entity: string;
  /** How one record is called in messages ("Ticket", "Configuration item"). */
  label: string;
  /** The toolset its tools are enabled with; none for entities that are only referenced. */
  toolset?: string;
  /** The fields that name a record for people, joined with spaces ("firstName lastName"). */
  nameFields?: readonly string[];
  /** The number people quote for a record, where there is one (ticketNumber). */
  numberField?: string;
  /** The compact view: fields a search returns (IncludeFields). */
  searchView?: readonly string[];
  /** What a get adds to the search view: the fields of the record's detail page. */
  getView?: readonly string[];
  /** Fields whose text customers, end users or other systems write (emails, portal, alerts). */
  untrusted?: readonly string[];
  /** Its own read tools mark untrusted fields in results (the tools' openWorldHint). */
  openWorld?: boolean;
  /** Picklist values Autotask documents as system values, by field: `{status: {complete: 5}}`. */
  system?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The tool that lists its records, for messages that send the caller there. */
  lister?: string;
  /**
   * Picklists a create never fills from the tenant's default: a tenant's default `publish`
   * can be the public level, which shows a note to the customer.
   */
  neverDefault?: readonly string[];
  /**
   * The field Autotask stamps on every change of a record (autotask-api.md section 7): a batch
   * previewed now and applied later skips a record whose stamp moved in between.
   */
  watermark?: string;
  /**
   * Fields a bulk update refuses, with why: the single-record update keeps them consistent with
   * each record's other fields (a time entry's hours with its start and end), one value for all
   * records cannot.
   */
  bulkFixed?: Readonly<Record<string, string>>;
}

/** Every descriptor by entity: what lib/ asks about an entity it was only given by name. */
export class ResourceRegistry {
  readonly #byName = new Map<string, ResourceDescriptor>();
  /** Name fields by catalog entity name, for the name resolver. */
  readonly nameFields: ReadonlyMap<string, readonly string[]>;

  /** Registers `resources`; an entity described twice is a mistake in tools/mod.ts. */
  constructor(resources: readonly ResourceDescriptor[]) {
    const nameFields = new Map<string, readonly string[]>();
    for (const resource of resources) {
      const entry = findEntity(resource.entity);
      if (!entry || entry.name !== resource.entity) {
        throw new Error(`Descriptor ${resource.entity}: not a catalog entity name`);
      }
      const key = resource.entity.toLowerCase();
      if (this.#byName.has(key)) throw new Error(`Descriptor ${resource.entity}: described twice`);
      this.#byName.set(key, resource);
      if (resource.nameFields && resource.nameFields.length > 0) {
        nameFields.set(resource.entity, resource.nameFields);
      }
    }
    this.nameFields = nameFields;
  }

  /** The descriptor of `entity` (any case), if the product describes it. */
  find(entity: string): ResourceDescriptor | undefined {
    return this.#byName.get(entity.toLowerCase());
  }

  /** Every descriptor, in registration order. */
  all(): ResourceDescriptor[] {
    return [...this.#byName.values()];
  }

  /** How a record of `entity` is called in messages: its label, else the entity name. */
  label(entity: string): string {
    return this.find(entity)?.label ?? entity;
  }

  /** The untrusted-text fields of `entity` that hold text in any of `records`. */
  untrustedIn(entity: string, records: readonly AutotaskRecord[]): string[] {
    const candidates = this.find(entity)?.untrusted ?? [];
    return candidates.filter((field) => records.some((r) => typeof r[field] === "string"));
  }
}

/** The default view of a `get_*` tool: the search view plus the detail fields. */
export function getViewOf(resource: ResourceDescriptor): string[] {
  return [...new Set([...(resource.searchView ?? []), ...(resource.getView ?? [])])];
}
