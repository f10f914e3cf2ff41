/** The zod schemas tools share: ids, picklists, dates, paging, views, changes and the result shapes. */

import * as z from "zod";
import { isDayText, isLocalInstantText } from "../dates.ts";

/** Largest id Autotask uses (int32 for most entities, int64 for a few). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * A record id: company 0 is the tenant's own company, so 0 is allowed. The
 * bounds are a refinement so the published schema stays `{"type":"integer"}`.
 */
export const idSchema = z.number().int().refine((n) => n >= 0 && n <= MAX_ID, {
  message: "Expected a record id: a whole number, 0 or more",
});

/**
 * A picklist field given as the tenant's numeric value or its label (any case).
 * Bounds are checked in refinements so the published schema stays two words.
 */
export const picklistSchema = z.union([z.number().int(), z.string()]).superRefine((value, ctx) => {
  const ok = typeof value === "number"
    ? value >= 0
    : value.trim().length > 0 && value.length <= 200;
  if (!ok) {
    ctx.addIssue({
      code: "custom",
      message: "Expected a picklist value (a number >= 0) or a label (1-200 characters)",
    });
  }
});

/**
 * A date or date-time as a person gives it: ISO-8601 with or without a zone, a date alone, or
 * today / yesterday / tomorrow. Read in the user's zone (AUTOTASK_TIME_ZONE) by the tool:
 * a zoneless time is local wall-clock time, a day is a local day.
 */
export const dateTimeSchema = z.string().trim().refine(
  (text) => text.length <= 40 && isLocalInstantText(text),
  {
    message: "Expected an ISO-8601 date or date-time such as 2026-11-24, 2026-11-24T14:00 " +
      "(your time zone) or 2026-11-24T14:00:00Z, or today, yesterday or tomorrow",
  },
);

/**
 * A calendar day: `YYYY-MM-DD` (checked to exist, no 2026-02-30), or today / yesterday /
 * tomorrow in the user's zone. A refinement, not a pattern, so the published schema stays short.
 */
export const dateSchema = z.string().trim().refine(isDayText, {
  message: "Expected a date as YYYY-MM-DD (e.g. 2026-11-24), or today, yesterday or tomorrow",
});

/** Paging arguments of every search tool. */
export const pagingShape = {
  // Bounds as a refinement: the instructions state them once for every search.
  limit: z.number().int().refine((n) => n >= 1 && n <= 500, { message: "limit is 1-500" })
    .default(25),
  cursor: z.string().min(1).max(20_000).optional(),
};

/** A JSON object of any fields. */
export const recordSchema = z.record(z.string(), z.unknown());

/** `fields` and `detail`: which fields a read returns. */
export const viewShape = {
  fields: z.array(z.string().trim().min(1)).min(1).max(100).optional(),
  detail: z.enum(["compact", "full"]).optional(),
};

/** The `changes` argument of update tools: wire field name -> new value (explained in the instructions). */
export const changesSchema = z.record(z.string(), z.unknown());

/** The `extra` argument of create tools: any other writable field by its Autotask name. */
export const extraSchema = z.record(z.string(), z.unknown());

/**
 * Output of get tools. Output schemas name only the keys every result has and
 * allow the rest (note, untrustedFields, notice, ...), which the server
 * instructions explain once instead of every schema repeating them.
 */
export const getOutput = z.looseObject({ item: recordSchema });

/** Output of search tools (also count, hasMore, cursor, total, note, untrustedFields). */
export const searchOutput = z.looseObject({ items: z.array(z.unknown()) });

/** Output of create/update tools (also entity, item, note). */
export const writeOutput = z.looseObject({ id: z.number() });
