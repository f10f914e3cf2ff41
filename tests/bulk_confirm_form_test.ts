/**
 * Confirmation through the client's form (MCP elicitation): a client that declares form
 * elicitation is asked right after the preview, a yes applies in the same call, a no sends
 * nothing and leaves no token. The official MCP client over stdio, production flags.
 */

import assert from "node:assert/strict";
import { childEnv } from "../scripts/child_env.ts";
import { type ServedSandbox } from "../lib/sandbox/mod.ts";
import { openTickets, patchesById, writesIn } from "./bulk_fixtures.ts";
import { Client, StdioClientTransport } from "./deps.ts";
import { callOk, productionFlagsPlusLoopback, startTenant, tenantEnv } from "./harness.ts";

type Rec = Record<string, unknown>;

const ROOT = new URL("..", import.meta.url).pathname;

/** What the test's user answers, and the questions the server asked. */
interface FormUser {
  answer: { action: "accept" | "decline" | "cancel"; content?: Record<string, boolean> };
  asked: string[];
}

/** A server whose client declares form elicitation and answers as `user` says. */
async function connectWithForms(tenant: ServedSandbox, user: FormUser): Promise<Client> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...await productionFlagsPlusLoopback(), `${ROOT}main.ts`],
    env: { ...childEnv(), ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "bulk" },
    stderr: "pipe",
    cwd: ROOT,
  });
  const client = new Client(
    { name: "autotask-mcp-tests", version: "0.0.0" },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler("elicitation/create", (request) => {
    user.asked.push(request.params.message);
    return user.answer;
  });
  await client.connect(transport);
  return client;
}

Deno.test({
  name: "bulk tools ask through the client's form when it has one: yes applies, no sends nothing",
  async fn() {
    const tenant = await startTenant();
    const { sandbox } = tenant;
    const user: FormUser = { answer: { action: "accept", content: { confirm: true } }, asked: [] };
    const client = await connectWithForms(tenant, user);
    try {
      const ids = openTickets(tenant, 80).filter((t) => t.priority !== 1).slice(0, 5)
        .map((t) => t.id as number);
      sandbox.resetStats();
      const applied = await callOk(client, "bulk_update", {
        entity: "Tickets",
        ids,
        changes: { priority: 1 },
      });
      assert.equal(user.asked.length, 1);
      assert.match(user.asked[0], /^Update 5 Tickets: priority → .+ \(1\)\. Apply now\?$/);
      assert.equal(applied.applied, true);
      assert.match(String(applied.confirmedBy), /confirmation form/);
      assert.deepEqual((applied.totals as Rec).updated, 5);
      const patches = patchesById(sandbox.log);
      for (const id of ids) assert.deepEqual(patches.get(id), [200]);

      user.answer = { action: "decline" };
      sandbox.resetStats();
      const declined = await callOk(client, "bulk_add_ticket_notes", {
        ticketIDs: ids,
        description: "Should never be written.",
      });
      assert.equal(user.asked.length, 2);
      assert.match(user.asked[1], /Add this note \(.+\) to 5 tickets: "Should never be written\."/);
      assert.equal(declined.applied, false);
      assert.equal(declined.confirm, undefined, "a declined batch leaves no token to apply");
      assert.match(String(declined.note), /declined .*nothing was sent/);
      assert.deepEqual(writesIn(sandbox.log), []);

      user.answer = { action: "accept", content: { confirm: false } };
      const unticked = await callOk(client, "bulk_update", {
        entity: "Tickets",
        ids,
        changes: { priority: 2 },
      });
      assert.equal(unticked.applied, false, "accepting the form without ticking Apply is a no");
      assert.deepEqual(writesIn(sandbox.log), []);
    } finally {
      await client.close();
      await tenant.close();
    }
  },
});
