#!/usr/bin/env node
// `node bench/startup.mjs [--runs=N]`: what the loader hook adds to a process start. Starts, in
// turn, a process that loads the MCP SDK's server modules (bench/startup-app.mjs) bare, with
// only the loader hook (`--import mcpcat-otel/hook`), and under `--import mcpcat-otel/register`
// (exporting nowhere), and prints the median wall time of each and the differences. Build first.
// `--bundle=<file>` starts an app that imports that bundle instead (a server with the SDK inlined);
// `--baseline=<dir>` adds `hook` and `register` from another build's `dist/` (say, the build
// before a change), run in the same rounds: a paired before/after.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
const option = (name) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const bundle = option("bundle");
const baseline = option("baseline");
const APP = fileURLToPath(
  new URL(bundle ? "startup-bundle-app.mjs" : "startup-app.mjs", import.meta.url),
);
const HOOK = ["--import", `${ROOT}dist/hook.mjs`];
const variants = {
  bare: [[APP]],
  hook: [[...HOOK, APP]],
  "bare+otel": [[APP], { STARTUP_APP_OTEL: "1" }],
  "hook+otel": [[...HOOK, APP], { STARTUP_APP_OTEL: "1" }],
  register: [["--import", `${ROOT}dist/register.mjs`, APP]],
};
if (bundle) {
  delete variants["bare+otel"]; // the bundle app does not load NodeSDK's graph on its own
  delete variants["hook+otel"];
}
if (baseline) {
  variants["hook@base"] = [["--import", `${baseline}/dist/hook.mjs`, APP]];
  variants["register@base"] = [["--import", `${baseline}/dist/register.mjs`, APP]];
}
const env = {
  ...process.env,
  OTEL_TRACES_EXPORTER: "none",
  OTEL_METRICS_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
};
const wall = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const cpu = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, [args, extra]] of Object.entries(variants)) {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, args, {
      env: { ...env, ...extra, STARTUP_APP_REPORT: "1", STARTUP_BUNDLE: bundle ?? "" },
      cwd: ROOT,
      encoding: "utf8",
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.status !== 0) throw new Error(`${name} exited with ${child.status}: ${child.stderr}`);
    if (i < 2) continue; // the first two rounds warm the file cache
    wall[name].push(ms);
    const { user, system } = JSON.parse(child.stdout.trim().split("\n").at(-1));
    cpu[name].push((user + system) / 1000);
  }
}
// CPU time (user + system) is what the machine's other load disturbs least.
const median = (list) => list.toSorted((a, b) => a - b)[Math.floor(list.length / 2)];
const medians = (table) =>
  Object.fromEntries(Object.entries(table).map(([name, list]) => [name, median(list)]));
const w = medians(wall);
const c = medians(cpu);
console.log(`node ${process.versions.node}, ${runs} runs each, medians of a process start:`);
console.log("  variant    CPU ms   wall ms");
for (const name of Object.keys(variants)) {
  console.log(
    `  ${name.padEnd(9)} ${c[name].toFixed(1).padStart(7)} ${w[name].toFixed(1).padStart(9)}`,
  );
}
const diff = (a, b) => `${(c[a] - c[b]).toFixed(1)} ms CPU (${(w[a] - w[b]).toFixed(1)} ms wall)`;
if (!bundle) {
  console.log(`  the hook adds ${diff("hook", "bare")} to the MCP SDK's graph alone,`);
  console.log(
    `  ${diff("hook+otel", "bare+otel")} to it with NodeSDK's graph (what register loads);`,
  );
} else console.log(`  the hook adds ${diff("hook", "bare")} to a process that loads ${bundle},`);
console.log(
  `  register in all (hook, NodeSDK, McpInstrumentation) adds ${diff("register", "bare")}`,
);
if (baseline) {
  console.log(
    `  against ${baseline}: hook ${diff("hook", "hook@base")}, register ${diff("register", "register@base")}`,
  );
}
