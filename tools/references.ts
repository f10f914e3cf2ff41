/** Entities only referenced by others' records: no tools, but names people read next to their ids. */

import type { ResourceDescriptor, ToolModule } from "../lib/mcp/mod.ts";

/** Billing codes (work types) of time entries and charges. */
export const BILLING_CODES = {
  entity: "BillingCodes",
  label: "Billing code",
  nameFields: ["name"],
} satisfies ResourceDescriptor;

/** A company's locations (sites). */
export const COMPANY_LOCATIONS = {
  entity: "CompanyLocations",
  label: "Company location",
  nameFields: ["name"],
} satisfies ResourceDescriptor;

/** Departments resources belong to. */
export const DEPARTMENTS = {
  entity: "Departments",
  label: "Department",
  nameFields: ["name"],
} satisfies ResourceDescriptor;

/** The referenced-only entities. */
export const references: ToolModule = {
  resources: [BILLING_CODES, COMPANY_LOCATIONS, DEPARTMENTS],
  tools: [],
};
