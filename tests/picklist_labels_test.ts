/** Forgiving picklist labels: which near misses `matchLabel` accepts, which it refuses, and why. */

import assert from "node:assert/strict";
import { matchLabel } from "../lib/autotask/picklists.ts";
import type { PicklistValue } from "../lib/autotask/client.ts";

function values(...labels: [string, string][]): PicklistValue[] {
  return labels.map(([value, label]) => ({ value, label, isActive: true }) as PicklistValue);
}

const status = values(
  ["1", "New"],
  ["24", "Work In Progress"],
  ["21", "Waiting Customer"],
  ["22", "Waiting Vendor"],
  ["5", "Complete"],
);
const priority = values(["6", "P1 Emergency"], ["4", "P2 Urgent"], ["1", "P3 Normal"]);
const queues = values(["10", "Level I Support"], ["11", "Level II Support"], ["12", "Post-Sale"]);

function found(input: string, list: PicklistValue[]): string {
  const match = matchLabel(input, list);
  if (match.kind === "exact") return `exact ${match.value.value}`;
  if (match.kind === "near") return `near ${match.value.value} by ${match.rule}`;
  if (match.kind === "ambiguous") return `ambiguous ${match.candidates.map((v) => v.value)}`;
  return `none, closest ${match.closest.map((v) => v.value)}`;
}

Deno.test("exact: the value, or the label in any case and spacing", () => {
  assert.equal(found("24", status), "exact 24");
  assert.equal(found("  work   in PROGRESS ", status), "exact 24");
});

Deno.test("near misses with one reading are accepted, and say which rule read them", () => {
  assert.equal(found("post sale", queues), "near 12 by spelling"); // punctuation
  assert.equal(found("Level 2 Support", queues), "near 11 by spelling"); // roman numerals
  assert.equal(found("level-1 support", queues), "near 10 by spelling");
  assert.equal(found("P1", priority), "near 6 by code");
  assert.equal(found("p2 something else", priority), "near 4 by code"); // the code decides
  assert.equal(found("Emergency", priority), "near 6 by code"); // the label without its code
  assert.equal(found("Completed", status), "near 5 by synonym");
  assert.equal(found("Critical", priority), "near 6 by synonym"); // urgency word -> P1
  assert.equal(found("High", priority), "near 4 by synonym");
  assert.equal(found("In Progress", status), "near 24 by part of the label");
});

Deno.test("several readings are refused with the candidates; a miss gets the closest values", () => {
  assert.equal(found("Waiting", status), "ambiguous 21,22");
  assert.equal(found("Support", queues), "ambiguous 10,11");
  assert.equal(found("Wating Custmer", status), "none, closest 21");
  // Too short to be a part of a label: not guessed.
  assert.match(found("Wo", status), /^none/);
});
