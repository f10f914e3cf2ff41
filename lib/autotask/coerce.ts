/** Values given the type of the Autotask field they are compared with or written to: one table for filters and changes. */

import { isIsoDate } from "../dates.ts";

/** What a field holds, whatever name the tenant's metadata gives its type. */
export type ValueKind = "integer" | "decimal" | "boolean" | "date" | "string" | "other";

/**
 * Autotask's `dataType` names (and the UDF `type` names some tenants use) by kind. The one
 * table: filters and changes read types through it, so neither accepts what the other refuses.
 */
const KINDS: Readonly<Record<string, ValueKind>> = {
  integer: "integer",
  int: "integer",
  int16: "integer",
  int32: "integer",
  int64: "integer",
  long: "integer",
  short: "integer",
  byte: "integer",
  double: "decimal",
  decimal: "decimal",
  float: "decimal",
  single: "decimal",
  boolean: "boolean",
  datetime: "date",
  date: "date",
  string: "string",
};

/** Decimal notation, optionally with an exponent; no hex, no Infinity. */
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The kind of a field's `dataType` (any case); unknown names are "other". */
export function valueKind(dataType: unknown): ValueKind {
  return typeof dataType === "string" ? KINDS[dataType.toLowerCase()] ?? "other" : "other";
}

/** True for integer and decimal kinds. */
export function isNumericKind(kind: ValueKind): boolean {
  return kind === "integer" || kind === "decimal";
}

/** A finite number, or text in decimal notation (`"12"`, `" 1.5 "`, `"2e3"`); else undefined. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && NUMBER_TEXT.test(value)) return Number(value);
  return undefined;
}

/** {@linkcode toNumber} that is also a safe integer; else undefined. */
export function toInteger(value: unknown): number | undefined {
  const n = toNumber(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** `true`/`false`, `1`/`0` or the words true and false (any case); else undefined. */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string" && /^\s*(true|false)\s*$/i.test(value)) {
    return /true/i.test(value);
  }
  return undefined;
}

/**
 * An integer flag such as `Contacts.isActive`: Autotask holds 0/1 in an integer field whose
 * name starts with `is`. Booleans and 1/0 become 1/0; else undefined.
 */
export function toFlag(value: unknown): 0 | 1 | undefined {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  return undefined;
}

/** True when a field of `kind` named `name` holds a 0/1 flag (`isActive` on Contacts). */
export function isIntegerFlag(name: string, kind: ValueKind): boolean {
  return kind === "integer" && /^is[A-Z]/.test(name);
}

/** An ISO-8601 date or date-time (trimmed), the only date text Autotask reads; else undefined. */
export function toDateText(value: unknown): string | undefined {
  return typeof value === "string" && isIsoDate(value) ? value.trim() : undefined;
}
