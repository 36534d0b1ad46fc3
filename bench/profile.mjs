#!/usr/bin/env node
// Where the time goes: CPU-profiles the measured phase of configurations (each in its own
// process, as the benchmark runs them) and prints microseconds per call by package and by
// function, self and inclusive, side by side, with the difference to the first configuration.
//   node bench/profile.mjs [--configs=bare-span,mcpcat-otel] [--seconds=5]
//                          [--scenario=memory-c1] [--top=40] [--interval=50]
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runJob } from "./lib/spawn.mjs";
import { startStandins } from "./lib/standins.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const configs = (args.configs ?? "bare-span,mcpcat-otel").split(",");
const seconds = Number(args.seconds ?? 5);
const [transport, c] = (args.scenario ?? "memory-c1").split("-c");
const top = Number(args.top ?? 40);
const dir = mkdtempSync(join(tmpdir(), "mcpcat-otel-profile-"));

/** "package" of a call frame: a node_modules package, our dist, node internals, or native. */
function packageOf(url) {
  const u = url.replace(/^file:\/\//, "");
  const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  if (u.includes("/dist/")) return "mcpcat-otel (dist)";
  if (u.includes("/bench/")) return "bench harness";
  if (u.startsWith("node:")) return `node:${u.slice(5).split("/")[0]}`;
  return u ? u.split("/").slice(-2).join("/") : "(native: GC, builtins)";
}

function analyse(file, calls) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
  const keyOf = (n) => {
    const cf = n.callFrame;
    const file = cf.url
      .replace(/^file:\/\//, "")
      .split("/")
      .slice(-2)
      .join("/");
    return `${cf.functionName || "(anonymous)"} ${file ? `${file}:${cf.lineNumber + 1}` : ""}`.trim();
  };
  const fnSelf = new Map();
  const fnIncl = new Map();
  const pkgSelf = new Map();
  let total = 0;
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const name = n.callFrame.functionName;
    if (name === "(idle)") continue;
    total += t;
    const k = keyOf(n);
    fnSelf.set(k, (fnSelf.get(k) ?? 0) + t);
    const pkg = packageOf(n.callFrame.url);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + t);
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id));
      if (seen.has(key)) continue;
      seen.add(key);
      fnIncl.set(key, (fnIncl.get(key) ?? 0) + t);
    }
  }
  const perCall = (m) => new Map([...m].map(([k, v]) => [k, v / calls]));
  return {
    calls,
    total: total / calls,
    fnSelf: perCall(fnSelf),
    fnIncl: perCall(fnIncl),
    pkgSelf: perCall(pkgSelf),
  };
}

function table(title, maps, limit) {
  const keys = new Set();
  for (const m of maps) for (const k of m.keys()) keys.add(k);
  const rows = [...keys].map((k) => {
    const vals = maps.map((m) => m.get(k) ?? 0);
    return { k, vals, diff: vals.at(-1) - vals[0] };
  });
  rows.sort((a, b) => Math.abs(b.diff) - Math.abs(a.diff) || b.vals.at(-1) - a.vals.at(-1));
  console.log(`\n${title} (µs per call; last column: last configuration minus first)`);
  for (const r of rows.slice(0, limit)) {
    const cols = r.vals.map((v) => v.toFixed(2).padStart(8)).join(" ");
    console.log(
      `${cols} ${maps.length > 1 ? (r.diff >= 0 ? "+" : "") + r.diff.toFixed(2) : ""}\t${r.k}`,
    );
  }
}

const standins = await startStandins();
const results = [];
for (const config of configs) {
  const res = await runJob({
    kind: "server",
    config,
    scenarios: [{ transport, concurrency: Number(c) }],
    warmupMs: 1000,
    durationMs: seconds * 1000,
    standinUrl: standins.url,
    runId: `profile-${config}`,
    profile: join(dir, config),
    profileIntervalUs: Number(args.interval ?? 50),
  });
  const r = res.results?.[0];
  if (!r || r.error) {
    console.error(`${config}: ${r?.error ?? res.error}`);
    process.exit(1);
  }
  const base = join(dir, `${config}.${transport}-c${c}`);
  const { calls } = JSON.parse(readFileSync(`${base}.json`, "utf8"));
  results.push({ config, ...analyse(`${base}.cpuprofile`, calls), cps: r.callsPerSec });
}
await standins.close();
console.log(
  `configurations: ${configs.join(" | ")}  (${transport}, concurrency ${c}; profiles in ${dir})`,
);
for (const r of results) {
  console.log(
    `  ${r.config}: ${r.calls} calls, ${Math.round(r.cps)} calls/s, profiled CPU ${r.total.toFixed(2)} µs/call`,
  );
}
table(
  "Self time by package",
  results.map((r) => r.pkgSelf),
  25,
);
table(
  "Self time by function",
  results.map((r) => r.fnSelf),
  top,
);
table(
  "Inclusive time by function",
  results.map((r) => r.fnIncl),
  top,
);
