#!/usr/bin/env node
// A paired comparison in ONE process, for working on the instrumentation's cost: the
// uninstrumented server, the bare-span floor (with and without McpInstrumentation's attributes)
// and McpInstrumentation (enabled only for its own block) take turns in short blocks of calls,
// in a new order each time, and each block is compared with its neighbours. On a shared,
// noisy machine this resolves differences of a microsecond, which separate processes cannot.
// Not the benchmark's figures (those come from a process per configuration, `npm run bench`).
//   node bench/pair.mjs [--blocks=40] [--calls=2000] [--content]
import { trace } from "@opentelemetry/api";
import { bareSpanHook, IDENTITY } from "./lib/bare-span.mjs";
import { importPackage } from "./lib/configs.mjs";
import { runCalls } from "./lib/load.mjs";
import { connectInMemory } from "./lib/mcp.mjs";
import { setupCountedTracing } from "./lib/otel.mjs";
import { median, percentile } from "./lib/stats.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const blocks = Number(args.blocks ?? 40);
const calls = Number(args.calls ?? 2000);

const { McpInstrumentation } = await importPackage();
const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
const tracing = setupCountedTracing();
const tracer = trace.getTracer("bench-bare-span");
const instrumentation = new McpInstrumentation({
  identify: () => IDENTITY,
  captureContent: args.content === "true",
});
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
instrumentation.disable();

// Each condition has its own connection, made while only its own instrumentation is on.
const conns = {
  none: await connectInMemory({}),
  "bare-span": await connectInMemory({ afterTools: bareSpanHook(tracer) }),
  "bare-span-attrs": await connectInMemory({
    afterTools: bareSpanHook(tracer, { attributes: true }),
  }),
};
instrumentation.enable();
conns["mcpcat-otel"] = await connectInMemory({});
instrumentation.disable();
const names = Object.keys(conns);

async function block(name) {
  if (name === "mcpcat-otel") instrumentation.enable();
  const call = () => conns[name].call();
  await runCalls(call, 200); // settle this condition's code paths before timing
  await tracing.count();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runCalls(call, calls);
  const wall = ((performance.now() - t0) * 1000) / calls;
  const c = process.cpuUsage(cpu0);
  if (name === "mcpcat-otel") instrumentation.disable();
  return { cpu: (c.user + c.system) / calls, wall };
}

for (const name of names) await block(name); // warm-up round
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let b = 0; b < blocks; b++) {
  const order = [...names].sort(() => Math.random() - 0.5);
  const round = {};
  for (const name of order) round[name] = await block(name);
  for (const name of names) samples[name].push(round[name]);
}

const diff = (a, b, k) => samples[a].map((s, i) => s[k] - samples[b][i][k]);
const row = (label, xs) =>
  `${label.padEnd(44)} median ${median(xs).toFixed(2).padStart(7)}   p25 ${percentile(xs, 25).toFixed(2).padStart(7)}   p75 ${percentile(xs, 75).toFixed(2).padStart(7)}`;
console.log(
  `${blocks} blocks of ${calls} calls per condition, in-memory, sequential (µs per call)`,
);
for (const k of ["cpu", "wall"]) {
  console.log(`\n${k === "cpu" ? "CPU time" : "wall time"}`);
  for (const n of names)
    console.log(
      row(
        `${n}`,
        samples[n].map((s) => s[k]),
      ),
    );
  console.log(row("bare-span − none", diff("bare-span", "none", k)));
  console.log(row("bare-span-attrs − bare-span", diff("bare-span-attrs", "bare-span", k)));
  console.log(row("mcpcat-otel − bare-span  (target ≤ 2)", diff("mcpcat-otel", "bare-span", k)));
  console.log(row("mcpcat-otel − bare-span-attrs", diff("mcpcat-otel", "bare-span-attrs", k)));
}
const spans = await tracing.count();
console.log(`\n${spans} spans exported`);
for (const c of Object.values(conns)) await c.close();
await tracing.shutdown();
