/** The explanations RESULTS.md carries under the numbers. */

/** What each item of the table measures, and how. */
export function rowsText(): string {
  return `## What the rows mean

Every server is \`deno run <the flags of deno task start, plus 127.0.0.1 in --allow-net> main.ts\`,
spawned by the bench and driven in JSON-RPC over its stdin and stdout (protocol 2025-11-25), with
the simulated Autotask tenant (\`lib/sandbox\`) served over HTTP on 127.0.0.1. Times are wall-clock
in the bench process; memory is the server process's VmRSS/VmHWM from \`/proc/<pid>/status\`.
Spreads are min–max below 20 samples and p10–p90 from 20 on.

1. **Cold start**: spawn → \`initialize\` → \`tools/list\` answered, after one unmeasured start.
   RSS is read right then.
2. **Per-call overhead**: the same call repeated with warm caches, one at a time; the library row
   replays the exact query body the tool sent (taken from the tenant's log) with \`AutotaskClient\`
   in the bench process. The difference is paired per iteration: what the MCP layer adds
   (argument validation, labels and names from cache, shaping, JSON over two pipes).
   The HTTP rows serve one MCP handler twice in the bench process (over an in-process tenant):
   with \`node:http\`, which HTTP mode uses for its connection deadlines, and with \`Deno.serve\`;
   each JSON-RPC request is a keep-alive \`fetch\` whose answer is read to the end. The
   HTTP − stdio rows call the same tool on a stdio server and on a \`main.ts --http\` server in
   turn, 800 pairs: first through a minimal HTTP/1.1 client on one keep-alive connection
   (\`bench/raw_http.ts\`: one write per request, answers read by Content-Length or chunks), as
   lean as the bench's client of the stdio server, so the difference is what the server adds;
   then through Deno's \`fetch\`, whose own cost (0.3 to 0.4 ms a call in runs here) a fetch-based MCP
   client pays on top, as a stdio client pays its pipes.
3. **Requests per tool call**: counted in the tenant's request log. Each seed tool gets a fresh
   server; cold is its first call, warm its second (same ids, new names for writes).
4. **Bytes per result**: the text block the model reads (warm call) against the JSON of the full
   Autotask records holding the same data.
5. **Concurrency**: 100 tool calls sent at once (search_tickets, get_company, search_contacts in
   turn) to a tenant that holds each request 50 ms and allows 3 at a time per entity, after one
   unmeasured burst. The floor is the least time the tenant's limits allow for the requests made.
6. **Memory under load**: 10,000 calls (get_company, search_tickets, get_ticket, get_contact in
   turn, 8 in flight) through one server; RSS after the first 100 and every 1,000 after that.
   Then the same calls through a server whose V8 old space is capped at 64 MiB (a diagnostic flag,
   not a production one): memory kept per call would grow, or fail, there too.
   The HTTP rows repeat both runs with the server started as \`main.ts --http\` (production flags
   plus loopback, PORT=0, no rate limit), the calls sent as keep-alive \`fetch\` POSTs to /mcp.
7. **Scale**: \`search_tickets\` for open tickets, 50 per page, followed by cursor, on a fresh
   tenant of each size, 200 pages each (the 1,000-ticket tenant runs out of matches and is paged
   through again from the first page); the first page is unmeasured (caches). "The tenant's own
   time" is what the simulated tenant spent answering (from its log); the rest is the server, the
   client library and loopback.
8. **Tool-definition weight**: the JSON of the \`tools/list\` result (tokens ≈ bytes / 4).
9. **One integration code, three processes**: three servers (as three technicians would run them
   with the company's API user) each get 10 \`search_tickets\` and 3 \`add_ticket_note\` calls, all
   sent at once, to one tenant that holds each request 250 ms and runs at most 3 per entity for the
   integration code, refusing the rest unprocessed with the live text and no Retry-After. The
   processes do not coordinate: every refusal must be absorbed by a retry, every note stored once.
10. **Webhooks**: one server started as \`main.ts --http\` with AUTOTASK_WEBHOOK_SECRET (PORT=0,
   no rate limit: the default 300 requests per minute per address would hold one sender to 5/s).
   Callouts (a ticket update whose text holds characters .NET escapes, signed with HMAC-SHA1 in
   the bench) are posted with keep-alive \`fetch\`, 16 in flight: "accepted" counts 200 answers
   (signature verified over the raw bytes) per second; "worked through" waits for the
   notification of one more callout posted after them all, since the feed handles callouts in
   arrival order. The latency row posts one callout at a time for a ticket a
   \`subscriptions/listen\` stream (2026-07-28, over plain fetch) subscribed to, and times it until
   the stream's \`notifications/resources/updated\` frame is read. The tenant is idle here: the
   feed reads nothing from Autotask for a ticket callout (only a note callout without ticketID
   reads its note), and recent_changes, not measured here, reads names when it is called.
11. **Bulk updates at the thread bound**: \`bulk_update\` previews 500 tickets (a new priority for
   each), then the confirm applies it, on a fresh tenant that holds every request 100 ms and runs
   at most 3 per entity. The apply's wall time is compared with the ideal ceil(500/3) × 100 ms
   (three writes in flight all the time, nothing else); the tenant's log gives the writes' span,
   its high-water mark on Tickets, and the requests besides one PATCH per record. The ideal has
   no gap between writes; the idle-slot row shows the gap there is (a write's answer to the next
   write's arrival, at the tenant) and how long the tenant itself held each write, so an excess
   over the ideal can be told apart: the server's share or the simulated tenant's.
12. **Reports at scale**: each report tool called once on a fresh server against a tenant of
   100,000 tickets and 200,000 time entries (\`bench/reports.ts\` runs it alone). The requests each
   report says it made are compared with the tenant's log; the ticket-aging and created/completed
   reports must count, never download tickets or time entries.
`;
}

/** What the numbers do not say. */
export function caveatsText(): string {
  return `## Caveats

- Loopback, not the internet: a real Autotask zone answers in tens to hundreds of milliseconds,
  which dwarfs every per-call cost here. The tenant runs in the bench process and shares the CPU
  with the server, so on few cores both slow each other down.
- Cold start assumes Deno's module cache is warm. A first run after install (or after a change to
  main.ts's imports) also transpiles and, for a fresh \`DENO_DIR\`, downloads the npm packages;
  the unmeasured first start absorbs that. A compiled binary (\`deno compile\`) starts differently
  and is not measured (it cannot be built here).
- RSS includes garbage V8 has not collected yet: the server runs with its production flags, so no
  GC is forced, and V8 lets the heap grow before it collects hard. The capped run of item 6 is the
  check for memory actually retained.
- Memory comes from \`/proc/<pid>/status\` (Linux), read through \`cat\` because Deno grants
  /proc only with --allow-all; elsewhere \`ps\` gives RSS without a peak. Windows is not supported.
- The simulated tenant's data and query engine are not Autotask's: request counts are exact, times
  of the tenant itself are not representative.
- Tool counts, \`tools/list\` sizes and the seed tools' requests change as tools are added.
`;
}
