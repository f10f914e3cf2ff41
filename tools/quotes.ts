/** Quotes: find and read quotes with their lines, create a quote for an opportunity, add lines. */

import * as z from "zod";
import type { AutotaskRecord, FieldInfo } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { eq } from "../lib/autotask/query.ts";
import { localDate, utcMidnight } from "../lib/dates.ts";
import {
  addNotes,
  assertInOrder,
  createAndReport,
  dateTimeSchema,
  defined,
  defineTool,
  enrich,
  extraSchema,
  getOutput,
  getRecord,
  getViewOf,
  idSchema,
  InputError,
  picklistSchema,
  prepareExtra,
  readOne,
  resolvePicklists,
  type ResourceDescriptor,
  searchTool,
  selectFields,
  shapedItem,
  type ToolContext,
  type ToolModule,
  viewShape,
  writeOutput,
} from "../lib/mcp/mod.ts";
import { addServiceNames } from "./catalog.ts";

/** Quotes. */
export const QUOTES = {
  entity: "Quotes",
  label: "Quote",
  toolset: "quotes",
  openWorld: false,
  nameFields: ["name"],
  numberField: "quoteNumber",
  searchView: [
    "id",
    "quoteNumber",
    "name",
    "companyID",
    "opportunityID",
    "contactID",
    "effectiveDate",
    "expirationDate",
    "primaryQuote",
    "isActive",
    "approvalStatus",
  ],
  getView: [
    "description",
    "comment",
    "paymentTerm",
    "purchaseOrderNumber",
    "billToLocationID",
    "createDate",
    "creatorResourceID",
    "lastActivityDate",
  ],
  untrusted: ["name", "description"],
  dateOnly: ["effectiveDate", "expirationDate"],
  lister: "search_quotes",
} satisfies ResourceDescriptor;

/** The lines of a quote: products, services and labor. */
export const QUOTE_ITEMS = {
  entity: "QuoteItems",
  label: "Quote item",
  toolset: "quotes",
  searchView: [
    "id",
    "quoteItemType",
    "productID",
    "serviceID",
    "laborID",
    "name",
    "quantity",
    "unitPrice",
    "unitCost",
    "unitDiscount",
    "percentageDiscount",
    "lineDiscount",
    "periodType",
    "isOptional",
    "isTaxable",
  ],
  // Autotask's system quote item types for catalog products and services.
  system: { quoteItemType: { product: 1, service: 11 } },
} satisfies ResourceDescriptor;

/** Lines get_quote lists; longer quotes say how to read the rest. */
const MAX_ITEMS = 200;
/** The location fields a quote may require (a tenant setting). */
const LOCATION_FIELDS = ["billToLocationID", "shipToLocationID", "soldToLocationID"];
/** Largest quantity or price accepted: catches typos, not big deals. */
const MAX_AMOUNT = 1e9;

function fit(value: unknown, field: FieldInfo | undefined): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return field?.length ? value.slice(0, field.length) : value;
}

/** A quote location created for a quote, and the quote fields it fills. */
interface NewLocation {
  id: number;
  fields: string[];
}

/**
 * When this tenant requires bill-to, ship-to and sold-to locations, creates
 * one quote location from the company's address and uses it for each.
 */
async function locationsFor(
  ctx: ToolContext,
  record: AutotaskRecord,
  companyID: number,
): Promise<NewLocation | undefined> {
  const fields = await ctx.client.fields("Quotes", { signal: ctx.signal });
  const missing = fields.filter((f) =>
    LOCATION_FIELDS.includes(f.name) && f.isRequired && !f.isReadOnly &&
    record[f.name] === undefined
  );
  if (missing.length === 0) return undefined;
  const company = await ctx.client.get("Companies", companyID, { signal: ctx.signal });
  const meta = await ctx.client.fields("QuoteLocations", { signal: ctx.signal });
  const field = (name: string) => meta.find((f) => f.name === name);
  const address = defined({
    address1: fit(company?.address1, field("address1")),
    address2: fit(company?.address2, field("address2")),
    city: fit(company?.city, field("city")),
    state: fit(company?.state, field("state")),
    postalCode: fit(company?.postalCode, field("postalCode")),
  });
  const id = await ctx.client.create("QuoteLocations", address, { signal: ctx.signal });
  for (const f of missing) record[f.name] = id;
  return { id, fields: missing.map((f) => f.name) };
}

/**
 * The quote create failed after its location was made. Autotask cannot delete quote locations,
 * so the error says which one stays and how a retry reuses it instead of making another.
 */
function withLocation(error: unknown, location: NewLocation): unknown {
  const reuse = JSON.stringify(Object.fromEntries(location.fields.map((f) => [f, location.id])));
  const hint = ` Quote location ${location.id} was created for this quote first and remains ` +
    `(Autotask cannot delete quote locations): to reuse it, retry with extra ${reuse}`;
  if (!(error instanceof InputError || error instanceof AutotaskError)) return error;
  const message = error.message.replace(/\.?$/, ".") + hint;
  return error instanceof InputError
    ? new InputError(message)
    : new AutotaskError(message, { ...error, cause: error });
}

/** The quote toolset. */
export const quotes: ToolModule = {
  resources: [QUOTES, QUOTE_ITEMS],
  tools: [
    searchTool(QUOTES, {
      name: "search_quotes",
      title: "Search quotes",
      description: "Find quotes by name, company, opportunity, active state or dates.",
      textFields: ["name"],
      filters: {
        companyID: { field: "companyID", schema: idSchema },
        opportunityID: { field: "opportunityID", schema: idSchema },
        isActive: { field: "isActive", schema: z.boolean() },
        createdAfter: { field: "createDate", op: "gte", schema: dateTimeSchema },
        expiresBefore: { field: "expirationDate", op: "lt", schema: dateTimeSchema },
      },
    }),
    defineTool({
      name: "get_quote",
      title: "Get quote",
      description: "Read one quote with its lines (products, services, labor), names inline.",
      kind: "read",
      toolset: "quotes",
      openWorld: false,
      input: z.object({ id: idSchema, ...viewShape }),
      output: getOutput.extend({ items: z.array(z.record(z.string(), z.unknown())) }),
      handler: async ({ id, fields, detail }, ctx) => {
        const defaults = getViewOf(QUOTES);
        const selection = await selectFields(ctx, "Quotes", { fields, detail, defaults });
        const [quote, lines] = await Promise.all([
          readOne(ctx, { entity: "Quotes", id, fields: selection.fields }),
          ctx.client.query("QuoteItems", {
            filter: [eq("quoteID", id)],
            includeFields: QUOTE_ITEMS.searchView,
            maxRecords: MAX_ITEMS,
            signal: ctx.signal,
          }),
        ]);
        const result = await shapedItem(ctx, quote, { entity: "Quotes", openWorld: false });
        const items = await enrich(ctx, lines.items, { entity: "QuoteItems" });
        await addServiceNames(ctx, items);
        result.items = items;
        if (lines.next) {
          result.note = `The quote has more than ${MAX_ITEMS} lines: read the rest with ` +
            `query_entities on QuoteItems filtered by quoteID ${id}`;
        }
        return result;
      },
    }),
    defineTool({
      name: "create_quote",
      title: "Create quote",
      description: "Create a quote for an opportunity, for its company and contact, effective " +
        "today unless given; add lines with add_quote_item.",
      kind: "create",
      toolset: "quotes",
      openWorld: false,
      entity: "Quotes",
      input: z.object({
        opportunityID: idSchema,
        name: z.string().trim().min(1).max(100),
        expirationDate: dateTimeSchema,
        effectiveDate: dateTimeSchema.optional(),
        description: z.string().max(2000).optional(),
        contactID: idSchema.optional(),
        paymentTerm: picklistSchema.optional(),
        extra: extraSchema.optional(),
      }),
      output: writeOutput,
      handler: async ({ extra, ...args }, ctx) => {
        const notes: string[] = [];
        const opportunity = await readOne(ctx, {
          entity: "Opportunities",
          id: args.opportunityID,
          fields: ["companyID", "contactID"],
        });
        const record: AutotaskRecord = {
          ...await prepareExtra(ctx, extra, { entity: "Quotes", explicit: args }),
          ...defined({ ...args }),
          companyID: opportunity.companyID,
        };
        if (record.effectiveDate === undefined) {
          // Today in the user's zone: effectiveDate is a day.
          const today = utcMidnight(localDate(ctx.now(), ctx.timeZone));
          record.effectiveDate = today;
          notes.push(`effectiveDate defaulted to today (${today.slice(0, 10)})`);
        }
        assertInOrder(
          { field: "effectiveDate", value: record.effectiveDate },
          { field: "expirationDate", value: record.expirationDate },
        );
        if (record.contactID === undefined && typeof opportunity.contactID === "number") {
          record.contactID = opportunity.contactID;
        }
        const resolved = await resolvePicklists(ctx, record, { entity: "Quotes" });
        const location = await locationsFor(ctx, resolved, opportunity.companyID as number);
        if (location) {
          notes.push(
            `${location.fields.join(", ")} set to new quote location ${location.id} ` +
              `with the company's address`,
          );
        }
        const result = await createAndReport(ctx, resolved, {
          entity: "Quotes",
          readBack: [
            "id",
            "quoteNumber",
            "name",
            "companyID",
            "opportunityID",
            "contactID",
            "effectiveDate",
            "expirationDate",
            "primaryQuote",
          ],
        }).catch((error) => {
          throw location ? withLocation(error, location) : error;
        });
        if (result.item) {
          [result.item] = await enrich(ctx, [result.item as AutotaskRecord], { entity: "Quotes" });
        }
        addNotes(result, notes);
        return result;
      },
    }),
    defineTool({
      name: "add_quote_item",
      title: "Add quote item",
      description: "Add a product or service line to a quote; name and price come from the " +
        "catalog unless given.",
      kind: "create",
      toolset: "quotes",
      openWorld: false,
      entity: "QuoteItems",
      input: z.object({
        quoteID: idSchema,
        productID: idSchema.optional(),
        serviceID: idSchema.optional(),
        quantity: z.number().positive().max(MAX_AMOUNT).default(1),
        unitPrice: z.number().min(0).max(MAX_AMOUNT).optional(),
        percentageDiscount: z.number().min(0).max(100).optional(),
        name: z.string().trim().min(1).max(100).optional(),
        description: z.string().max(2000).optional(),
        isOptional: z.boolean().default(false),
        extra: extraSchema.optional(),
      }),
      output: writeOutput,
      handler: async ({ extra, ...args }, ctx) => {
        if ((args.productID === undefined) === (args.serviceID === undefined)) {
          throw new InputError(
            "Give productID or serviceID (one per line): search_products and search_services list them",
          );
        }
        const isProduct = args.productID !== undefined;
        const entity = isProduct ? "Products" : "Services";
        const label = isProduct ? "Product" : "Service";
        const types = QUOTE_ITEMS.system.quoteItemType;
        const itemType = isProduct ? types.product : types.service;
        const fromExtra = await prepareExtra(ctx, extra, { entity: "QuoteItems", explicit: args });
        const [, source, typeKnown] = await Promise.all([
          getRecord(ctx, { entity: "Quotes", id: args.quoteID }),
          readOne(ctx, {
            entity,
            id: (args.productID ?? args.serviceID) as number,
            label,
            fields: ["name", "unitPrice", "unitCost", "periodType", "isActive"],
          }),
          ctx.picklists.has("QuoteItems", "quoteItemType", itemType, ctx.signal),
        ]);
        if (source.isActive === false) {
          throw new InputError(
            `${label} ${source.id} (${source.name}) is inactive: choose an active one`,
          );
        }
        if (!typeKnown && fromExtra.quoteItemType === undefined) {
          throw new InputError(
            `This tenant has no quote item type ${itemType} (${label}): pass its own type as ` +
              `extra.quoteItemType (list_field_values shows them)`,
          );
        }
        // Autotask wants all three discounts, at most one of them above 0.
        const record: AutotaskRecord = {
          quoteItemType: itemType,
          unitDiscount: 0,
          lineDiscount: 0,
          percentageDiscount: 0,
          ...fromExtra,
          ...defined({ ...args }),
        };
        record.name ??= source.name;
        record.unitPrice ??= source.unitPrice ?? 0;
        if (typeof source.unitCost === "number") record.unitCost ??= source.unitCost;
        if (source.periodType != null) record.periodType ??= source.periodType;
        const resolved = await resolvePicklists(ctx, record, { entity: "QuoteItems" });
        const result = await createAndReport(ctx, resolved, {
          entity: "QuoteItems",
          parentId: args.quoteID,
          readBack: QUOTE_ITEMS.searchView,
        });
        if (result.item) {
          const [item] = await enrich(ctx, [result.item as AutotaskRecord], {
            entity: "QuoteItems",
          });
          await addServiceNames(ctx, [item]);
          result.item = item;
        }
        return result;
      },
    }),
  ],
};
