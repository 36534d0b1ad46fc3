// The printed table and bench/RESULTS.md, from the aggregated figures.
import { CONFIGS } from "./configs.mjs";
import { scenarioKey, scenarioLabel } from "./modes.mjs";

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
const signed = (x, digits = 1) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(digits)}` : "–";

function statusText(row) {
  if (row.status === "broken") return `BROKEN: no ${row.unit} for handled requests`;
  if (row.status === "lossy")
    return `lossy: ${fmt(row.perCall * 100, 0)}% of calls have ${row.unit}`;
  if (row.status === "failed")
    return `failed: ${String(row.error ?? "")
      .split("\n")[0]
      .slice(0, 80)}`;
  if (row.status === "missing") return row.error;
  return "ok";
}

function serverRows(rows) {
  return Object.values(rows).map((r) => [
    CONFIGS[r.config].label,
    int(r.callsPerSec),
    r.config === "none" ? `(${fmt(r.cpuPerCall)})` : signed(r.addedCpu),
    r.config === "none" ? "" : signed(r.overBareCpu),
    r.config === "none" ? "0" : signed(r.added),
    fmt(r.p50),
    fmt(r.p99),
    r.config === "none" ? "–" : `${fmt(r.perCall, 2)} ${r.unit}`,
    statusText(r),
  ]);
}

const SERVER_HEAD = [
  "configuration",
  "calls/s",
  "added CPU µs/call",
  "vs floor",
  "added wall µs/call",
  "p50 µs",
  "p99 µs",
  "per call",
  "status",
];

function textTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function mdTable(head, rows) {
  const esc = (c) => String(c).replaceAll("|", "\\|");
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

function memoryRows(memory) {
  return memory.map((m) => [
    CONFIGS[m.config].label,
    int(m.calls),
    m.status === "ok" ? `${fmt(m.startMb)} → ${fmt(m.endMb)}` : "–",
    m.status === "ok" ? m.heapMb.map((x) => fmt(x)).join(", ") : "–",
    signed(m.slopeMbPer100k, 2),
    m.status === "ok" ? (m.trend ? "GROWS" : "flat") : `failed: ${String(m.error).slice(0, 60)}`,
  ]);
}
const MEMORY_HEAD = [
  "configuration",
  "calls",
  "heap after GC, MB (start → end)",
  "at each checkpoint, MB",
  "MB per 100k calls",
  "trend",
];

const EXPORT_LABEL = {
  "mcpcat-exporter-direct": "MCPCatExporter alone",
  "mcpcat-queue": "mcpcat's event queue alone (publishCustomEvent)",
  "otlp-direct": "OTLPTraceExporter (HTTP/JSON) alone",
  "raw-http": "ceiling: plain undici Pool, one POST per event, 32 in flight",
  "mcpcat-exporter": "end to end: McpInstrumentation → BatchSpanProcessor → MCPCatExporter",
  mcpcat: "end to end: mcpcat track() and its queue",
  otlp: "end to end: McpInstrumentation → BatchSpanProcessor → OTLPTraceExporter",
};
function exportRows(exp) {
  return exp.map((e) => [
    EXPORT_LABEL[e.target],
    e.error ? "–" : e.source,
    int(e.burst),
    e.error ? "–" : int(e.delivered),
    e.error ? "–" : `${fmt(e.share * 100, 1)}%`,
    e.error ? "–" : int(e.perSec),
    e.error ? "–" : `${fmt(e.producedMs / 1000, 2)} / ${fmt(e.doneMs / 1000, 2)}`,
    e.error ? "–" : `${fmt(e.rssBeforeMb, 0)} → ${fmt(e.peakRssMb, 0)}`,
    e.error
      ? `failed: ${String(e.error).split("\n")[0].slice(0, 80)}`
      : e.invalid
        ? `${e.invalid} invalid`
        : "ok",
  ]);
}
const EXPORT_HEAD = [
  "export path",
  "spans from",
  "burst",
  "delivered",
  "share",
  "per second",
  "burst made / all delivered, s",
  "RSS MB (before → peak)",
  "status",
];

const PAIR_LABEL = {
  none: "uninstrumented",
  "bare-span": "bare span (floor)",
  "bare-span-attrs": "bare span + the same 13 attributes",
  "mcpcat-otel": "McpInstrumentation (defaults)",
  "mcpcat-otel+metrics": "McpInstrumentation, metrics on",
  "mcpcat-otel-baseline": "McpInstrumentation before (--baseline build)",
};

function pairedRows(p) {
  const q = (s) => `${fmt(s.median, 2)} (${fmt(s.p25, 2)} to ${fmt(s.p75, 2)})`;
  return [
    ...Object.entries(p.conditions).map(([n, c]) => [PAIR_LABEL[n], q(c.cpu), q(c.wall)]),
    ...p.pairs.map((d) => [`${PAIR_LABEL[d.a]} − ${PAIR_LABEL[d.b]}`, q(d.cpu), q(d.wall)]),
  ];
}
const PAIRED_HEAD = [
  "condition or difference",
  "CPU µs/call (quartiles)",
  "wall µs/call (quartiles)",
];

/** Range of the uninstrumented server's CPU µs/call over its runs (in-memory, sequential). */
function baselineSpread(res) {
  const xs = res.rawRounds
    .flatMap((r) => r.runs)
    .filter((r) => r.config === "none")
    .map((r) => r.results?.find((s) => s.transport === "memory" && s.concurrency === 1)?.cpuPerCall)
    .filter(Number.isFinite);
  return xs.length ? `${fmt(Math.min(...xs))} to ${fmt(Math.max(...xs))} CPU µs per call` : "–";
}

function pairedMarkdown(p, res) {
  return [
    "## Paired comparison in one process (in-memory, sequential)",
    "",
    `The uninstrumented server, the floor, the floor with McpInstrumentation's attributes, and McpInstrumentation (enabled only for its own blocks) take turns in ${p.blocks} rounds of blocks of ${int(p.calls)} calls, in a new order each round, in one fresh process; a difference is taken block by block within a round, then the median over rounds. On this shared machine, separate processes minutes apart differ by more than the microseconds at stake (in this run the uninstrumented server alone ranged from ${baselineSpread(res)} across its processes), so the +2 µs target is judged here. The per-process tables remain the comparison with the peers.`,
    "",
    mdTable(PAIRED_HEAD, pairedRows(p)),
  ];
}

/** The table printed at the end of `npm run bench`. */
export function printTables(res) {
  const parts = [];
  for (const s of res.scenarios) {
    parts.push(
      `\n${scenarioLabel(s)}\n${textTable(SERVER_HEAD, serverRows(res.server[scenarioKey(s)]))}`,
    );
  }
  if (res.paired?.pairs) {
    parts.push(
      `\nPaired, one process (in-memory, sequential)\n${textTable(PAIRED_HEAD, pairedRows(res.paired))}`,
    );
  }
  if (res.memory.length) parts.push(`\nMemory\n${textTable(MEMORY_HEAD, memoryRows(res.memory))}`);
  if (res.export.length) parts.push(`\nExport\n${textTable(EXPORT_HEAD, exportRows(res.export))}`);
  if (res.targets.length) {
    parts.push(
      `\nTargets\n${res.targets.map((t) => `  [${t.met ? "met" : "MISSED"}] ${t.name}: ${t.result}`).join("\n")}`,
    );
  }
  return parts.join("\n");
}

/** bench/RESULTS.md */
export function resultsMarkdown(res, { chartFile, analysis = "" }) {
  const m = res.meta;
  const out = [
    "# Benchmark results",
    "",
    `Measured ${m.date} with \`npm run bench\`${m.mode === "full" ? "" : ` (${m.mode} mode)`} at commit ${m.commit}: Node ${m.node}, ${m.cpus}, load average ${m.loadavg} at the start (the machine is shared). ${m.rounds} rounds; ${m.elapsedMin} minutes.`,
    "",
    "Every configuration runs in its own Node process. Each round runs the uninstrumented server twice (first and halfway) and every other configuration once, in a new order. A figure is the median over rounds of that round's comparison. *Added CPU µs/call* is the process's CPU time per call (all threads, user + system, so GC and deferred export work count) minus that of the same round's uninstrumented runs (shown in parentheses on their row); *vs floor* is the same against the bare span made by hand. CPU time is the primary figure because this machine is shared: other tenants' load moves wall-clock throughput by a factor of two or more between runs of the same configuration, CPU time far less. *Added wall µs/call* is `1e6/calls_per_s − 1e6/baseline_calls_per_s`, for reference. After each call the caller yields one `setImmediate` turn, outside the latency timer but inside the elapsed and CPU time, so work an instrumentation defers (batching, export) is counted. Latencies are per call, over all calls of a run. The clients speak raw JSON-RPC, so only the server is instrumented; the in-memory server is stateful (one connection), the HTTP one stateless (a server and transport per request, as in the SDK's example).",
    "",
    `![Added microseconds per call](${chartFile})`,
    "",
    "## Targets",
    "",
    mdTable(
      ["target", "result", "verdict"],
      res.targets.map((t) => [t.name, t.result, t.met ? "met" : "**MISSED**"]),
    ),
    "",
  ];
  if (analysis) out.push(analysis.trim(), "");
  if (res.paired?.pairs) out.push(...pairedMarkdown(res.paired, res), "");
  out.push("## Server cost, a process per configuration", "");
  for (const s of res.scenarios) {
    out.push(
      `### ${scenarioLabel(s)}`,
      "",
      mdTable(SERVER_HEAD, serverRows(res.server[scenarioKey(s)])),
      "",
    );
  }
  if (res.memory.length) {
    out.push(
      "## Memory",
      "",
      "Heap used after two forced GCs, at the start (after 5,000 warm-up calls) and every checkpoint of a run of sequential in-memory calls. *MB per 100k calls* is the least-squares slope over the checkpoints; a trend is a slope that would add more than 2 MB over 1,000,000 calls.",
      "",
      mdTable(MEMORY_HEAD, memoryRows(res.memory)),
      "",
    );
  }
  if (res.export.length) {
    out.push(
      "## Export",
      "",
      `Bursts of ${int(res.export[0]?.burst)} to a loopback stand-in in another process that decodes and checks every body; every setting is the default. *Alone*: real McpInstrumentation tools/call spans, made beforehand, handed to the exporter in 512-span batches as a BatchSpanProcessor does (each after the previous export's callback); for mcpcat, events put on its queue at once. *End to end*: tools/call requests through an in-memory server (one \`setImmediate\` turn after each), delivery running while they are made. *Per second* is delivered ÷ (last delivery − start). The MCPCat API takes one event per request; the *ceiling* row is a plain undici Pool making the same number of requests, the most any one-request-per-event exporter can deliver on this machine at that moment. The real API answers in tens of milliseconds, not a loopback's fraction of one: these figures are the exporters' own cost and limits, not the network's.`,
      "",
      mdTable(EXPORT_HEAD, exportRows(res.export)),
      "",
    );
  }
  out.push("## Configurations", "");
  for (const [name, c] of Object.entries(CONFIGS)) {
    if (!res.configs.includes(name)) continue;
    out.push(`- **${c.label}**${c.note ? `: ${c.note}` : ""}`);
  }
  out.push("", `Raw figures: \`bench/results/results.json\`.`, "");
  return out.join("\n");
}
