#!/usr/bin/env node
// `npm run bench [-- options]`: measures what observability costs an MCP server, prints a
// table and writes bench/RESULTS.md, bench/chart.svg and bench/results/results.json.
//   --quick          fewer rounds, shorter runs (a look while working; ~4 minutes)
//   --smoke          our configurations only, a few hundred calls, no timing claims (the test)
//   --only=a,b       only these configurations (plus the uninstrumented baseline)
//   --rounds=N       override the number of rounds
//   --skip-memory, --skip-export, --skip-server, --skip-paired
//   --baseline=PATH  another build's dist/index.mjs (main before a change) as a paired condition
//   --json=PATH      also write the raw results there; --no-write: leave bench/ untouched
//   --no-build       measure dist/ as it is (by default the package is built first)
//   --render=PATH    only re-write RESULTS.md and chart.svg from a results.json (after editing
//                    bench/ANALYSIS.md, the hand-written part of RESULTS.md)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { aggregateMemory, aggregateServer } from "./lib/aggregate.mjs";
import { chartSvg } from "./lib/chart.mjs";
import { baselineOf, CONFIGS, OWN_CONFIGS, packageHas } from "./lib/configs.mjs";
import { MODES, memoryCalls, SCENARIOS } from "./lib/modes.mjs";
import { peersInstalled } from "./lib/peers.mjs";
import { printTables, resultsMarkdown } from "./lib/report.mjs";
import { runJob } from "./lib/spawn.mjs";
import { startStandins } from "./lib/standins.mjs";
import { evaluateTargets } from "./lib/targets.mjs";

const BENCH = fileURLToPath(new URL(".", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const log = (...a) => console.error(...a); // progress on stderr, the table on stdout

function parseArgs(argv) {
  const opts = { mode: "full" };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, "").split("=");
    if (k === "quick" || k === "smoke" || k === "full") opts.mode = k;
    else if (k === "only") opts.only = v.split(",");
    else if (k === "rounds") opts.rounds = Number(v);
    else if (k === "json") opts.json = v;
    else if (k === "no-write") opts.noWrite = true;
    else if (k === "no-build") opts["no-build"] = true;
    else if (k === "render") opts.render = v;
    else if (k === "baseline") opts.baseline = v;
    else if (k.startsWith("skip-")) opts[k] = true;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    return "unknown";
  }
}

/** Builds dist/ first (a benchmark of a stale build is a trap), unless told not to. */
function ensureBuilt(skip) {
  if (skip && existsSync(`${ROOT}dist/index.mjs`)) return;
  log("Building the package (`npm run build`) ...");
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
}

function ensurePeers() {
  if (peersInstalled()) return true;
  log("Installing the peers into bench/node_modules (`npm ci --prefix bench`) ...");
  try {
    execFileSync("npm", ["ci", "--prefix", BENCH, "--no-audit", "--no-fund"], {
      stdio: ["ignore", 2, 2],
    });
  } catch {
    log("Could not install the peers; they are reported as not measured.");
  }
  return peersInstalled();
}

/** Each round: the baseline first and halfway, everything else once, rotated (reversed on odd rounds). */
function roundOrder(configs, round) {
  const others = configs.filter((c) => c !== "none");
  const rotated = others.map((_, i) => others[(i + round) % others.length]);
  if (round % 2) rotated.reverse();
  const half = Math.ceil(rotated.length / 2);
  return ["none", ...rotated.slice(0, half), "none", ...rotated.slice(half)];
}

function writeOutputs(res) {
  writeFileSync(`${BENCH}chart.svg`, chartSvg(res));
  const analysisFile = `${BENCH}ANALYSIS.md`;
  const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, "utf8") : "";
  writeFileSync(`${BENCH}RESULTS.md`, resultsMarkdown(res, { chartFile: "chart.svg", analysis }));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    writeOutputs(JSON.parse(readFileSync(opts.render, "utf8")));
    log("Wrote bench/RESULTS.md and bench/chart.svg");
    return;
  }
  const mode = { ...MODES[opts.mode] };
  if (opts.rounds) mode.rounds = opts.rounds;
  const t0 = Date.now();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  ensureBuilt(opts["no-build"] || opts.mode === "smoke");

  const hasInstrumentation = await packageHas("McpInstrumentation");
  const hasExporter = await packageHas("MCPCatExporter");
  let configs = opts.mode === "smoke" ? [...OWN_CONFIGS] : Object.keys(CONFIGS);
  if (opts.only) configs = ["none", ...opts.only.filter((c) => c !== "none")];
  const missing = {};
  for (const c of configs) {
    if (!CONFIGS[c]) throw new Error(`unknown configuration ${c}`);
    if (CONFIGS[c].needs === "McpInstrumentation" && !hasInstrumentation) {
      missing[c] = "not measured: McpInstrumentation is not in dist/ yet";
    }
  }
  if (configs.some((c) => CONFIGS[c].kind === "peer") && !ensurePeers()) {
    for (const c of configs)
      if (CONFIGS[c].kind === "peer") missing[c] = "not measured: peers not installed";
  }
  const measured = configs.filter((c) => !missing[c]);

  const standins = await startStandins();
  let runSeq = 0;
  const baseJob = () => ({ standinUrl: standins.url, runId: `run${++runSeq}` });
  const rounds = [];
  const jobTimeout = opts.mode === "smoke" ? 60_000 : 300_000;
  if (!opts["skip-server"]) {
    for (let r = 0; r < mode.rounds; r++) {
      const runs = [];
      for (const config of roundOrder(measured, r)) {
        log(`round ${r + 1}/${mode.rounds}: ${config}`);
        const job = {
          ...baseJob(),
          kind: "server",
          config,
          scenarios: SCENARIOS,
          warmupMs: mode.warmupMs,
          warmupMinCalls: mode.warmupMinCalls,
          durationMs: mode.durationMs,
          calls: mode.calls,
          warmupCalls: mode.warmupCalls,
        };
        const res = await runJob(job, { timeoutMs: jobTimeout });
        if (res.error) log(`  ${config} failed: ${res.error.split("\n")[0]}`);
        runs.push({ ...res, config });
      }
      rounds.push({ runs });
    }
  }
  const server = aggregateServer(rounds, SCENARIOS, configs, baselineOf);
  for (const [c, why] of Object.entries(missing)) {
    for (const rows of Object.values(server))
      rows[c] = { ...rows[c], status: "missing", error: why };
  }

  let paired;
  if (!opts["skip-paired"] && hasInstrumentation) {
    log(
      `paired comparison in one process: ${mode.paired.blocks} blocks of ${mode.paired.calls} calls`,
    );
    paired = await runJob({
      ...baseJob(),
      kind: "paired",
      ...mode.paired,
      baseline: opts.baseline,
    });
  }

  const memory = [];
  if (!opts["skip-memory"]) {
    for (const config of measured) {
      if (CONFIGS[config].skipMemory) continue;
      const { calls, every } = memoryCalls(mode, config);
      log(`memory: ${config}, ${calls.toLocaleString("en-US")} calls`);
      const job = { ...baseJob(), kind: "memory", config, calls, every };
      memory.push(aggregateMemory({ config, ...(await runJob(job, { timeoutMs: 900_000 })) }));
    }
  }

  const exp = [];
  if (!opts["skip-export"]) {
    // The exporters alone, then end to end through a server.
    const targets = [];
    const peers = measured.includes("mcpcat");
    if (hasExporter) targets.push("mcpcat-exporter-direct");
    if (peers) targets.push("mcpcat-queue");
    targets.push("otlp-direct", "raw-http");
    if (hasExporter) targets.push("mcpcat-exporter");
    if (peers) targets.push("mcpcat");
    targets.push("otlp");
    if (!hasExporter) {
      exp.push({ target: "mcpcat-exporter", burst: mode.burst, error: "not in dist/ yet" });
    }
    for (const target of targets) {
      log(`export: ${target}, burst of ${mode.burst.toLocaleString("en-US")}`);
      const res = await runJob({ ...baseJob(), kind: "export", target, burst: mode.burst });
      exp.push({ target, burst: mode.burst, ...res });
    }
  }
  await standins.close();

  const res = {
    meta: {
      date: new Date().toISOString().slice(0, 10),
      mode: opts.mode,
      node: process.version,
      cpus: `${cpus()[0]?.model.trim() ?? "?"} × ${cpus().length}`,
      loadavg: load,
      rounds: mode.rounds,
      commit: gitCommit(),
      elapsedMin: ((Date.now() - t0) / 60_000).toFixed(1),
    },
    scenarios: SCENARIOS,
    configs,
    server,
    paired,
    memory,
    export: exp,
    rawRounds: rounds,
  };
  res.targets = evaluateTargets(res);
  console.log(printTables(res));
  const json = JSON.stringify(res, null, 1);
  if (opts.json) writeFileSync(opts.json, json);
  if (!opts.noWrite && opts.mode !== "smoke") {
    mkdirSync(`${BENCH}results`, { recursive: true });
    writeFileSync(`${BENCH}results/results.json`, json);
    writeOutputs(res);
    log(
      `Wrote bench/RESULTS.md, bench/chart.svg and bench/results/results.json (${res.meta.elapsedMin} min)`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
