// The paired comparison in ONE process (see bench/pair.mjs): conditions take turns in short
// blocks of calls, in a new order each time, so that each block is compared with neighbours
// that saw the same machine. It resolves a microsecond on a shared machine where separate
// processes, minutes apart, differ by a factor of two.
import { createNoopMeter, trace } from "@opentelemetry/api";
import { bareSpanHook, IDENTITY } from "./bare-span.mjs";
import { importPackage, metricsProvider } from "./configs.mjs";
import { runCalls } from "./load.mjs";
import { connectInMemory } from "./mcp.mjs";
import { setupCountedTracing } from "./otel.mjs";
import { median, percentile } from "./stats.mjs";

export const PAIRS = [
  ["bare-span", "none"],
  ["bare-span-attrs", "bare-span"],
  ["mcpcat-otel", "bare-span"],
  ["mcpcat-otel", "bare-span-attrs"],
  // What the four MCP histograms add when a MeterProvider is registered.
  ["mcpcat-otel+metrics", "mcpcat-otel"],
];

/**
 * job: { blocks, calls, content?, baseline? } -> per-condition samples and paired differences
 * (µs/call). `baseline` is the path of another build's `dist/index.mjs` (say, main before a
 * change): its McpInstrumentation becomes the condition `mcpcat-otel-baseline`, so a change's
 * before/after figure comes from one process, block beside block.
 */
export async function runPairedJob(job) {
  const blocks = job.blocks ?? 40;
  const calls = job.calls ?? 2000;
  const args = { content: job.content ? "true" : "false" };
  const { McpInstrumentation } = await importPackage();
  const { registerInstrumentations } = await import("@opentelemetry/instrumentation");
  const tracing = setupCountedTracing();
  const tracer = trace.getTracer("bench-bare-span");
  const instrumentation = new McpInstrumentation({
    identify: () => IDENTITY,
    captureContent: args.content === "true",
  });
  registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider: tracing.provider,
  });
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
  conns["mcpcat-otel+metrics"] = await connectInMemory({});
  instrumentation.disable();
  // Each instrumentation is enabled only for its own blocks (one patches the prototype at a time).
  const toggled = { "mcpcat-otel": instrumentation, "mcpcat-otel+metrics": instrumentation };
  const pairs = [...PAIRS];
  if (job.baseline) {
    const { pathToFileURL } = await import("node:url");
    const { McpInstrumentation: Before } = await import(pathToFileURL(job.baseline).href);
    const before = new Before({
      identify: () => IDENTITY,
      captureContent: args.content === "true",
    });
    registerInstrumentations({ instrumentations: [before], tracerProvider: tracing.provider });
    before.disable();
    before.enable();
    conns["mcpcat-otel-baseline"] = await connectInMemory({});
    before.disable();
    toggled["mcpcat-otel-baseline"] = before;
    pairs.push(["mcpcat-otel-baseline", "bare-span"], ["mcpcat-otel", "mcpcat-otel-baseline"]);
  }
  const names = Object.keys(conns);
  // Metrics on for their own blocks only: a real MeterProvider, else the API's no-op meter.
  const meters = await metricsProvider();
  const noMeters = { getMeter: () => createNoopMeter() };
  instrumentation.setMeterProvider(noMeters);

  async function block(name) {
    toggled[name]?.enable();
    if (name === "mcpcat-otel+metrics") instrumentation.setMeterProvider(meters.provider);
    const call = () => conns[name].call();
    await runCalls(call, 200); // settle this condition's code paths before timing
    await tracing.count();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await runCalls(call, calls);
    const wall = ((performance.now() - t0) * 1000) / calls;
    const c = process.cpuUsage(cpu0);
    toggled[name]?.disable();
    if (name === "mcpcat-otel+metrics") instrumentation.setMeterProvider(noMeters);
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

  const spans = await tracing.count();
  for (const c of Object.values(conns)) await c.close();
  await tracing.shutdown();
  await meters.shutdown();
  const summary = (xs) => ({
    median: median(xs),
    p25: percentile(xs, 25),
    p75: percentile(xs, 75),
  });
  const out = { kind: "paired", blocks, calls, spans, conditions: {}, pairs: [] };
  for (const k of ["cpu", "wall"]) {
    for (const n of names) {
      out.conditions[n] ??= {};
      out.conditions[n][k] = summary(samples[n].map((s) => s[k]));
    }
  }
  for (const [a, b] of pairs) {
    const d = (k) => summary(samples[a].map((s, i) => s[k] - samples[b][i][k]));
    out.pairs.push({ a, b, cpu: d("cpu"), wall: d("wall") });
  }
  return out;
}
