/** End to end: project phases, resource roles and ticket queues against the simulated tenant. */

import assert from "node:assert/strict";
import { type RequestLogEntry, WELL_KNOWN } from "../lib/sandbox/mod.ts";
import { callError, callOk } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

function writes(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query(\/|$)/.test(e.path));
}

function path(entry: RequestLogEntry): string {
  return entry.path.replace(/^\/ATServicesRest\/V1\.0\//i, "");
}

const R = WELL_KNOWN.roles;

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client } = session;
  const sandbox = session.sandbox;
  const mark = () => sandbox.log.length;
  return { client, sandbox, mark };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>) => Promise<void>,
): void {
  Deno.test(
    `phase and lookup tools: ${name}`,
    () =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "phases,lookups" } },
        (session) => fn(setup(session)),
      ),
  );
}

test("search_phases: a project's phases", async ({ client, sandbox }) => {
  const phases = sandbox.records("Phases");
  const projectID = phases[0].projectID as number;
  const out = await callOk(client, "search_phases", { projectID });
  const items = out.items as Rec[];
  assert.deepEqual(
    items.map((p) => p.id),
    phases.filter((p) => p.projectID === projectID).map((p) => p.id),
  );
  assert.equal(items[0].title, phases[0].title);
  assert.ok(items[0].projectName, "the project's name comes inline");
});

test("create_phase: POST Projects/{id}/Phases, under a parent phase", async ({ client, sandbox, mark }) => {
  const parent = sandbox.records("Phases")[0];
  const projectID = parent.projectID as number;
  const from = mark();
  const out = await callOk(client, "create_phase", {
    projectID,
    title: "Hypercare",
    description: "Two weeks of close support after go-live.",
    startDate: "2026-12-01",
    dueDate: "2026-12-15",
    estimatedHours: 12,
    parentPhaseID: parent.id,
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "POST");
  assert.equal(path(sent[0]), `Projects/${projectID}/Phases`);
  const created = sandbox.record("Phases", out.id as number)!;
  assert.equal(created.projectID, projectID);
  assert.equal(created.title, "Hypercare");
  assert.equal(created.parentPhaseID, parent.id);
  assert.equal(created.estimatedHours, 12);
  assert.equal(String(created.startDate).slice(0, 10), "2026-12-01");
  assert.equal(String(created.dueDate).slice(0, 10), "2026-12-15");
  assert.equal((out.item as Rec).title, "Hypercare");
});

test("create_phase: wrong parent phase, bad dates, missing project", async ({ client, sandbox, mark }) => {
  const phases = sandbox.records("Phases");
  const other = phases.find((p) => p.projectID !== phases[0].projectID)!;
  const from = mark();
  assert.match(
    await callError(client, "create_phase", {
      projectID: phases[0].projectID,
      title: "x",
      parentPhaseID: other.id,
    }),
    new RegExp(`Phase ${other.id} belongs to project ${other.projectID}`),
  );
  assert.match(
    await callError(client, "create_phase", {
      projectID: phases[0].projectID,
      title: "x",
      startDate: "2026-12-15",
      dueDate: "2026-12-01",
    }),
    /dueDate is before startDate/,
  );
  assert.match(
    await callError(client, "create_phase", { projectID: 999_999, title: "x" }),
    /Project 999999 was not found/,
  );
  assert.equal(writes(sandbox.log, from).length, 0);
});

test("list_resource_roles: a resource's roles, default first, names inline", async ({ client, sandbox }) => {
  const resourceID = 29682886; // Alex Morgan: desk roles tier 2 (default) and tier 1, plus network
  const out = await callOk(client, "list_resource_roles", { resourceID });
  assert.equal(out.resourceName, "Alex Morgan");
  const roles = out.roles as Rec[];
  assert.deepEqual(
    roles.map((r) => r.roleID).sort(),
    [R.tier1, R.tier2, R.networkEngineer].sort(),
  );
  assert.deepEqual(roles[0], {
    roleID: R.tier2,
    roleName: "Service Desk Tier 2",
    serviceDesk: true,
    isDefault: true,
    departments: ["Service Delivery"],
    queues: ["Level II Support"],
  });
  const network = roles.find((r) => r.roleID === R.networkEngineer)!;
  assert.equal(network.serviceDesk, false);
  assert.equal(network.isDefault, false);
  assert.equal(network.roleName, "Network Engineer");
  assert.deepEqual(network.departments, ["Professional Services"]);

  const all = await callOk(client, "list_resource_roles", {});
  assert.deepEqual(
    (all.roles as Rec[]).map((r) => [r.roleID, r.roleName]),
    sandbox.records("Roles").filter((r) => r.isActive).map((r) => [r.id, r.name]),
  );
  assert.match(
    await callError(client, "list_resource_roles", { resourceID: 999_999 }),
    /Resource 999999 was not found/,
  );
});

test("list_queues: the queueID picklist and who serves each queue", async ({ client, sandbox }) => {
  const out = await callOk(client, "list_queues", {});
  const queues = out.queues as Rec[];
  assert.deepEqual(queues.map((q) => q.name), [
    "Level I Support",
    "Level II Support",
    "Monitoring Alerts",
    "Post Sale",
    "Projects & Onboarding",
    "Client Portal",
  ]);
  const level1 = queues.find((q) => q.queueID === 29682833)!;
  assert.equal(level1.isDefault, true);
  const expected = [
    ...new Set(
      sandbox.records("ResourceRoles")
        .filter((r) => r.queueID === 29682833 && r.isActive !== false)
        .map((r) => r.resourceID as number),
    ),
  ].sort((a, b) => a - b);
  assert.ok(expected.length > 1);
  assert.deepEqual((level1.resources as Rec[]).map((r) => r.resourceID), expected);
  for (const r of level1.resources as Rec[]) {
    const resource = sandbox.record("Resources", r.resourceID as number)!;
    assert.equal(r.name, `${resource.firstName} ${resource.lastName}`);
  }
  assert.deepEqual(queues.find((q) => q.name === "Post Sale")!.resources, []);
});
