#!/usr/bin/env node
// A paired comparison in ONE process, for working on the instrumentation's cost: the
// uninstrumented server, the bare-span floor (with and without McpInstrumentation's attributes)
// and McpInstrumentation (enabled only for its own blocks) take turns in short blocks of calls.
// `npm run bench` runs it too (in a fresh process) and reports it beside the per-process figures.
//   node bench/pair.mjs [--blocks=40] [--calls=2000] [--content] [--baseline=<other>/dist/index.mjs]
// --baseline adds another build's McpInstrumentation (main before a change) as a condition.
import { runPairedJob } from "./lib/pair.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const res = await runPairedJob({
  blocks: Number(args.blocks ?? 40),
  calls: Number(args.calls ?? 2000),
  content: args.content === "true",
  baseline: args.baseline,
});
const f = (s) =>
  `median ${s.median.toFixed(2).padStart(7)}   p25 ${s.p25.toFixed(2).padStart(7)}   p75 ${s.p75.toFixed(2).padStart(7)}`;
console.log(
  `${res.blocks} blocks of ${res.calls} calls per condition, in-memory, sequential (µs per call)`,
);
for (const k of ["cpu", "wall"]) {
  console.log(`\n${k === "cpu" ? "CPU time" : "wall time"}`);
  for (const [n, c] of Object.entries(res.conditions)) console.log(`${n.padEnd(36)} ${f(c[k])}`);
  for (const p of res.pairs) console.log(`${`${p.a} − ${p.b}`.padEnd(36)} ${f(p[k])}`);
}
console.log(`\n${res.spans} spans exported`);
