/*
 * An SDK copy outside the supported range, or one whose Protocol lacks what is wrapped, gets a
 * diag warning naming the release and what is not traced: never silence.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpInstrumentation } from "../src/instrumentation.js";
import { HOOK_SLOT_KEY } from "../src/reach/hook-slot.js";
import { cleanEnv, ROOT, runToEnd } from "./helpers/child.js";
import { captureDiag } from "./helpers/diag.js";
import {
  installFixtureOutside,
  outsideFolder,
  removeOutsideInstalls,
} from "./helpers/outside-install.js";

afterAll(removeOutsideInstalls);

describe("SDK 1.9.0, below the range, installed outside the project", () => {
  let sdkDir: string;
  beforeAll(async () => {
    const dir = await installFixtureOutside("unsupported-1.9");
    sdkDir = join(dir, "node_modules", "@modelcontextprotocol", "sdk");
  }, 240_000);

  it.each([
    ["ESM", "--import", "register.mjs", "dist/esm/server/index.js"],
    ["CommonJS", "-r", "register.cjs", "dist/cjs/server/index.js"],
  ])(
    "%s: one warning names the release; the server still loads",
    async (kind, flag, entry, file) => {
      const load = kind === "ESM" ? "await import" : "require";
      const script = `${load}(${JSON.stringify(join(sdkDir, file))}); console.error("loaded");`;
      const run = await runToEnd(
        [
          flag,
          join(ROOT, "dist", entry),
          ...(kind === "ESM" ? ["--input-type=module"] : []),
          "-e",
          script,
        ],
        cleanEnv({
          OTEL_TRACES_EXPORTER: "none",
          OTEL_METRICS_EXPORTER: "none",
          OTEL_LOGS_EXPORTER: "none",
        }),
      );
      expect(run.code).toBe(0);
      const lines = run.stderr.trim().split("\n");
      expect(lines).toEqual([
        `[otel warn] mcpcat-otel @modelcontextprotocol/sdk 1.9.0 at ${sdkDir} is outside the supported range >=1.10.0 <2; its requests are not traced`,
        "loaded",
      ]);
    },
  );
});

describe("a Protocol without what is wrapped (a release that changed its internals)", () => {
  const diag = captureDiag();
  const instrumentation = new McpInstrumentation();
  afterAll(() => instrumentation.disable());
  const slot = (globalThis as Record<symbol, { loaded(id: string, e: unknown, w: string): void }>)[
    Symbol.for(HOOK_SLOT_KEY)
  ]!;
  const fakeRelease = (version: string) => {
    const dir = join(outsideFolder("sdk"), "node_modules", "@modelcontextprotocol", "sdk");
    mkdirSync(join(dir, "dist", "esm", "shared"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ version }));
    return join(dir, "dist", "esm", "shared", "protocol.js");
  };

  it("no _onrequest: nothing is traced, and it says so", () => {
    diag.clear();
    slot.loaded("sdk-v1", { Protocol: class {} }, fakeRelease("1.40.0"));
    expect(diag.warnings()).toEqual([
      "mcpcat-otel @modelcontextprotocol/sdk 1.40.0 has no Protocol with an _onrequest method: nothing is traced",
    ]);
  });

  it("no _onclose and no request: requests are traced, and what is lost is named", () => {
    diag.clear();
    class Protocol {
      _onrequest() {}
    }
    slot.loaded("sdk-v1", { Protocol }, fakeRelease("1.41.0"));
    expect(diag.warnings()).toEqual([
      "mcpcat-otel @modelcontextprotocol/sdk 1.41.0: its Protocol lacks _oncancel, _onclose, request, so " +
        "requests left unanswered when the connection closes do not end their spans; " +
        "outgoing requests get no CLIENT spans",
    ]);
  });
});

describe("a bundled Protocol of a shape this package does not trace", () => {
  it("an SDK older than 1.10 (its _onrequest takes no extra): not patched, and said once", () => {
    const diag = captureDiag(); // here, not while collecting: it replaces the other's logger
    new McpInstrumentation();
    const slot = (globalThis as Record<symbol, { loaded(...args: unknown[]): void }>)[
      Symbol.for(HOOK_SLOT_KEY)
    ]!;
    class Protocol {
      _onrequest(_request: unknown) {}
      _onresponse() {}
      request() {}
    }
    slot.loaded("bundled-protocol", { Protocol }, "/srv/dist/old-bundle.js");
    // (The new instrumentation is also handed what the slot saw before: those say their own.)
    expect(diag.warnings().filter((w) => w.includes("bundled"))).toEqual([
      "mcpcat-otel the MCP SDK bundled in /srv/dist/old-bundle.js: a Protocol older than SDK 1.10 " +
        "(_onrequest takes no extra); its requests are not traced",
    ]);
    expect(Object.hasOwn(Protocol.prototype._onrequest, "__wrapped")).toBe(false);
  });
});

describe("the SDK v2 peer ranges", () => {
  const packageJson = (...path: string[]) =>
    JSON.parse(readFileSync(join(ROOT, ...path, "package.json"), "utf8"));
  it("start at the oldest v2 release the compatibility suite runs, with a fixture for every minor since", () => {
    const fixtures = readdirSync(join(ROOT, "test", "compat")).filter((n) => n.startsWith("v2-"));
    const proven = fixtures.map((fixture) => {
      const { dependencies } = packageJson("test", "compat", fixture);
      expect(dependencies["@modelcontextprotocol/client"]).toBe(
        dependencies["@modelcontextprotocol/server"],
      );
      return dependencies["@modelcontextprotocol/server"] as string;
    });
    const minor = (version: string) => Number(version.replace(/^\D*/, "").split(".")[1]);
    const oldest = proven.toSorted((a, b) => minor(a) - minor(b))[0]!;
    const { peerDependencies, devDependencies } = packageJson();
    for (const name of ["@modelcontextprotocol/server", "@modelcontextprotocol/client"]) {
      expect(peerDependencies[name]).toBe(`^${oldest}`);
    }
    const newest = minor(devDependencies["@modelcontextprotocol/server"]);
    const minors = new Set(proven.map(minor));
    for (let m = minor(oldest); m <= newest; m++) expect(minors.has(m), `2.${m}`).toBe(true);
  });
});
