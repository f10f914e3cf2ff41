/** Stand-in for lib/doctor.ts until it is given the inventory by the entry: the inventory lives in tools/inventory.ts. */

// lib/ knows no tool set: the toolsets moved to tools/. doctor.ts (being reworked with the
// settings module) still imports this path; the entry should hand doctor the inventory instead.
export { InventoryError, selectTools, TOOLSETS } from "../../tools/inventory.ts";
