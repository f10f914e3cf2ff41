/** Autotask's query model: filter types, builders and the rules Autotask enforces on them. */

/** Comparison operators Autotask accepts, exactly. */
export const LEAF_OPERATORS = [
  "eq",
  "noteq",
  "gt",
  "gte",
  "lt",
  "lte",
  "beginsWith",
  "endsWith",
  "contains",
  "exist",
  "notExist",
  "in",
  "notIn",
] as const;

/** One comparison operator. */
export type LeafOperator = typeof LEAF_OPERATORS[number];

/** A scalar a filter compares with. */
export type FilterValue = string | number | boolean;

/** `{"op":"eq","field":"companyID","value":123}`; `udf` marks a user-defined field. */
export interface LeafFilter {
  op: LeafOperator;
  field: string;
  value?: FilterValue | FilterValue[];
  udf?: boolean;
}

/** `{"op":"or","items":[...]}`. */
export interface GroupFilter {
  op: "and" | "or";
  items: Filter[];
}

/** Any filter item. */
export type Filter = LeafFilter | GroupFilter;

/** The body of `POST {Entity}/query`. */
export interface QueryModel {
  filter: Filter[];
  IncludeFields?: string[];
  MaxRecords?: number;
}

/** Largest page Autotask serves. */
export const MAX_PAGE_SIZE = 500;
/** Autotask's limit on `or` conditions in one query. */
export const MAX_OR_CONDITIONS = 500;

/** The "all rows" filter Autotask expects when there is nothing to filter on. */
export function allRows(): LeafFilter {
  return { op: "gte", field: "id", value: 0 };
}

/** `field == value`. */
export function eq(field: string, value: FilterValue): LeafFilter {
  return { op: "eq", field, value };
}

/** `field in values`. */
export function inList(field: string, values: FilterValue[]): LeafFilter {
  return { op: "in", field, value: values };
}

/** `field contains text` (case-insensitive in Autotask). */
export function contains(field: string, text: string): LeafFilter {
  return { op: "contains", field, value: text };
}

/** Any of `items`. */
export function anyOf(items: Filter[]): GroupFilter {
  return { op: "or", items };
}

/** Type guard for groups. */
export function isGroup(filter: Filter): filter is GroupFilter {
  return filter.op === "and" || filter.op === "or";
}

/**
 * Checks a filter tree against Autotask's own rules before sending it, so the
 * caller gets a precise message instead of a generic HTTP 500. Returns the
 * problems found (empty when valid).
 */
export function filterProblems(filters: Filter[]): string[] {
  const problems: string[] = [];
  let udfCount = 0;
  let orCount = 0;
  const visit = (filter: Filter, path: string) => {
    if (filter === null || typeof filter !== "object") {
      problems.push(`${path}: a filter must be an object`);
      return;
    }
    if (isGroup(filter)) {
      if (!Array.isArray(filter.items) || filter.items.length === 0) {
        problems.push(`${path}: an "${filter.op}" group needs a non-empty "items" list`);
        return;
      }
      if (filter.op === "or") orCount += filter.items.length;
      filter.items.forEach((item, i) => visit(item, `${path}.items[${i}]`));
      return;
    }
    const leaf = filter as LeafFilter;
    if (!(LEAF_OPERATORS as readonly string[]).includes(leaf.op)) {
      problems.push(
        `${path}: unknown operator "${String(leaf.op)}"; use one of ${
          LEAF_OPERATORS.join(", ")
        }, and, or`,
      );
      return;
    }
    if (typeof leaf.field !== "string" || leaf.field.trim() === "") {
      problems.push(`${path}: "field" must name a field`);
    }
    if (leaf.udf) udfCount++;
    const needsNone = leaf.op === "exist" || leaf.op === "notExist";
    const needsList = leaf.op === "in" || leaf.op === "notIn";
    if (needsNone) {
      if (leaf.value !== undefined) problems.push(`${path}: "${leaf.op}" takes no value`);
    } else if (needsList) {
      if (!Array.isArray(leaf.value) || leaf.value.length === 0) {
        problems.push(`${path}: "${leaf.op}" needs a non-empty list of values`);
      } else {
        // Autotask counts every value of an in/notIn list as one "or" condition.
        orCount += leaf.value.length;
      }
    } else if (leaf.value === undefined || leaf.value === null || Array.isArray(leaf.value)) {
      problems.push(`${path}: "${leaf.op}" needs a single value`);
    }
  };
  filters.forEach((filter, i) => visit(filter, `filter[${i}]`));
  if (udfCount > 1) {
    problems.push(
      `Autotask allows at most one user-defined-field condition per query (got ${udfCount})`,
    );
  }
  if (orCount > MAX_OR_CONDITIONS) {
    problems.push(
      `Autotask allows at most ${MAX_OR_CONDITIONS} "or" conditions per query, each value of an ` +
        `in/notIn list counting as one (got ${orCount}): split the list into several queries`,
    );
  }
  return problems;
}
