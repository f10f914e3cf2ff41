/** Finance: read invoices, list and add the charges billed on a ticket. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import {
  addNotes,
  createAndReport,
  dateTimeSchema,
  defined,
  defineTool,
  enrich,
  extraSchema,
  getRecord,
  getTool,
  idSchema,
  InputError,
  pagingShape,
  picklistSchema,
  prepareExtra,
  readOne,
  resolvePicklists,
  type ResourceDescriptor,
  searchChildren,
  searchOutput,
  searchTool,
  type ToolContext,
  type ToolModule,
  writeOutput,
} from "../lib/mcp/mod.ts";

/** Invoices. */
export const INVOICES = {
  entity: "Invoices",
  label: "Invoice",
  toolset: "finance",
  openWorld: false,
  nameFields: ["invoiceNumber"],
  numberField: "invoiceNumber",
  searchView: [
    "id",
    "invoiceNumber",
    "companyID",
    "invoiceDateTime",
    "dueDate",
    "invoiceTotal",
    "totalTaxValue",
    "paidDate",
    "isVoided",
  ],
  getView: [
    "fromDate",
    "toDate",
    "paymentTerm",
    "orderNumber",
    "comments",
    "taxRegionName",
    "batchID",
    "voidedDate",
    "voidedByResourceID",
    "createDateTime",
    "creatorResourceID",
  ],
  dateOnly: ["dueDate", "paidDate"],
  lister: "search_invoices",
} satisfies ResourceDescriptor;

/** The charges (parts, materials) billed on a ticket. */
export const TICKET_CHARGES = {
  entity: "TicketCharges",
  label: "Ticket charge",
  toolset: "finance",
  openWorld: false,
  searchView: [
    "id",
    "ticketID",
    "name",
    "productID",
    "chargeType",
    "status",
    "unitQuantity",
    "unitPrice",
    "unitCost",
    "billableAmount",
    "isBillableToCompany",
    "isBilled",
    "datePurchased",
  ],
  dateOnly: ["datePurchased"],
  lister: "list_ticket_charges",
} satisfies ResourceDescriptor;

/** Largest quantity or price accepted: catches typos, not big orders. */
const MAX_AMOUNT = 1e9;

/**
 * Required picklists the caller left out and the tenant has no default for:
 * refused before anything is sent, with the tenant's choices.
 */
async function requireChoices(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: { entity: string },
): Promise<void> {
  const { entity } = options;
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  const problems: string[] = [];
  for (const field of fields) {
    if (!field.isRequired || field.isReadOnly || !field.isPickList) continue;
    if (record[field.name] !== undefined) continue;
    if (await ctx.picklists.defaultValue(entity, field.name, ctx.signal) !== undefined) continue;
    const values = await ctx.picklists.values(entity, field.name, { signal: ctx.signal });
    problems.push(
      `${field.name}, one of ${values.map((v) => `${v.value} (${v.label})`).join(", ")}`,
    );
  }
  if (problems.length > 0) {
    throw new InputError(
      `This tenant has no default for ${entity} ${
        problems.length > 1 ? "fields it requires" : "a field it requires"
      }: pass ${problems.join("; and ")}`,
    );
  }
}

/** The finance toolset. */
export const finance: ToolModule = {
  resources: [INVOICES, TICKET_CHARGES],
  tools: [
    searchTool(INVOICES, {
      name: "search_invoices",
      title: "Search invoices",
      description: "Find invoices by company, number, invoice date, voided or unpaid state.",
      textFields: ["invoiceNumber", "comments"],
      filters: {
        companyID: { field: "companyID", schema: idSchema },
        invoicedAfter: { field: "invoiceDateTime", op: "gte", schema: dateTimeSchema },
        invoicedBefore: { field: "invoiceDateTime", op: "lt", schema: dateTimeSchema },
        isVoided: { field: "isVoided", schema: z.boolean() },
        unpaidOnly: {
          field: "paidDate",
          schema: z.boolean().describe("Not paid and not voided"),
          toFilter: (value) =>
            value === true
              ? {
                op: "and",
                items: [
                  { op: "notExist", field: "paidDate" },
                  { op: "eq", field: "isVoided", value: false },
                ],
              }
              : undefined,
        },
      },
    }),
    getTool(INVOICES, {
      name: "get_invoice",
      title: "Get invoice",
      description: "Read one invoice by id: totals, dates, payment and void state (no PDF).",
    }),
    defineTool({
      name: "list_ticket_charges",
      title: "List ticket charges",
      description: "List the charges (parts, materials) billed on a ticket, with labels and names.",
      kind: "read",
      toolset: "finance",
      openWorld: false,
      input: z.object({ ticketID: idSchema, ...pagingShape }),
      output: searchOutput,
      handler: ({ ticketID, limit, cursor }, ctx) =>
        searchChildren(ctx, "TicketCharges", {
          parent: { entity: "Tickets", field: "ticketID", id: ticketID },
          limit,
          cursor,
          fields: TICKET_CHARGES.searchView,
          openWorld: false,
        }),
    }),
    defineTool({
      name: "create_ticket_charge",
      title: "Create ticket charge",
      description: "Bill a part or material on a ticket; productID supplies name, price and " +
        "cost, and chargeType and status default to the tenant's.",
      kind: "create",
      toolset: "finance",
      openWorld: false,
      entity: "TicketCharges",
      input: z.object({
        ticketID: idSchema,
        name: z.string().trim().min(1).max(100).optional(),
        productID: idSchema.optional(),
        unitQuantity: z.number().positive().max(MAX_AMOUNT).default(1),
        unitPrice: z.number().min(0).max(MAX_AMOUNT).optional(),
        unitCost: z.number().min(0).max(MAX_AMOUNT).optional(),
        chargeType: picklistSchema.optional(),
        status: picklistSchema.optional(),
        description: z.string().max(2000).optional(),
        datePurchased: dateTimeSchema.optional(),
        extra: extraSchema.optional(),
      }),
      output: writeOutput,
      handler: async ({ extra, ...args }, ctx) => {
        const notes: string[] = [];
        const [, product] = await Promise.all([
          getRecord(ctx, { entity: "Tickets", id: args.ticketID }),
          args.productID === undefined ? undefined : readOne(ctx, {
            entity: "Products",
            id: args.productID,
            fields: ["name", "unitPrice", "unitCost", "productBillingCodeID", "isActive"],
          }),
        ]);
        if (!product && args.name === undefined) {
          throw new InputError(
            "Give name, or productID to take the product's name and price (search_products lists them)",
          );
        }
        if (product?.isActive === false) {
          throw new InputError(
            `Product ${product.id} (${product.name}) is inactive: choose an active product`,
          );
        }
        const record: AutotaskRecord = {
          ...await prepareExtra(ctx, extra, { entity: "TicketCharges", explicit: args }),
          ...defined({ ...args }),
        };
        if (product) {
          const taken: string[] = [];
          if (record.name === undefined) {
            record.name = product.name;
            taken.push("name");
          }
          if (record.unitPrice === undefined && typeof product.unitPrice === "number") {
            record.unitPrice = product.unitPrice;
            taken.push("unitPrice");
          }
          if (record.unitCost === undefined && typeof product.unitCost === "number") {
            record.unitCost = product.unitCost;
            taken.push("unitCost");
          }
          if (
            record.billingCodeID === undefined && typeof product.productBillingCodeID === "number"
          ) {
            record.billingCodeID = product.productBillingCodeID;
            taken.push("billingCodeID");
          }
          if (taken.length > 0) notes.push(`${taken.join(", ")} from product ${product.id}`);
        }
        const resolved = await resolvePicklists(ctx, record, { entity: "TicketCharges" });
        await requireChoices(ctx, resolved, { entity: "TicketCharges" });
        const result = await createAndReport(ctx, resolved, {
          entity: "TicketCharges",
          parentId: args.ticketID,
          readBack: TICKET_CHARGES.searchView,
        });
        if (result.item) {
          [result.item] = await enrich(ctx, [result.item as AutotaskRecord], {
            entity: "TicketCharges",
          });
        }
        addNotes(result, notes);
        return result;
      },
    }),
  ],
};
