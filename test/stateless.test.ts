import { afterEach, describe, expect, it } from "vitest";
import { newConnectionState, sessionIdOf } from "../src/connection.js";
import { readBooleanEnv } from "../src/env.js";
import { isStateless } from "../src/transport.js";
import { captureDiag } from "./helpers/diag.js";
import { buildServer, connectInMemory } from "./helpers/servers.js";
import { mcpSpans, setupTracing, spansNamed } from "./helpers/tracing.js";

const { exporter, instrumentation } = setupTracing();
const logs = captureDiag();

afterEach(() => {
  delete process.env.MCPCAT_STATELESS;
  instrumentation.setConfig({});
  exporter.reset();
  logs.clear();
});

/** Connects, calls a tool with identify set, and returns the session ids the spans carry. */
async function sessionIdsOnSpans(): Promise<unknown[]> {
  const { client } = await connectInMemory(buildServer());
  await client.callTool({ name: "echo", arguments: { text: "x" } });
  await client.close();
  return mcpSpans(exporter).map((span) => span.attributes["mcp.session.id"]);
}

function configure(config: { stateless?: boolean } = {}) {
  instrumentation.setConfig({ ...config, identify: () => ({ userId: "u" }) });
}

describe("MCPCAT_STATELESS", () => {
  for (const value of ["1", "true", "TRUE", "yes", " Yes "]) {
    it(`${JSON.stringify(value)} makes every span session-less, with no identify memory`, async () => {
      process.env.MCPCAT_STATELESS = value;
      configure();
      const ids = await sessionIdsOnSpans();
      expect(ids).toEqual([undefined, undefined]);
      expect(spansNamed(exporter, "mcpcat:identify")).toHaveLength(0);
    });
  }

  for (const value of ["0", "false", "no", "FALSE"]) {
    it(`${JSON.stringify(value)} keeps sessions (one id for the connection)`, async () => {
      process.env.MCPCAT_STATELESS = value;
      configure();
      const ids = await sessionIdsOnSpans();
      expect(ids).toHaveLength(2);
      expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(ids[1]).toBe(ids[0]);
      expect(spansNamed(exporter, "mcpcat:identify")).toHaveLength(1);
    });
  }

  it("junk is a diag warning and the default (stateful for an in-memory transport)", async () => {
    process.env.MCPCAT_STATELESS = "maybe";
    configure();
    expect(logs.warnings().join("\n")).toContain('MCPCAT_STATELESS="maybe"');
    const ids = await sessionIdsOnSpans();
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the stateless option wins over the variable, both ways", async () => {
    process.env.MCPCAT_STATELESS = "1";
    configure({ stateless: false });
    expect((await sessionIdsOnSpans())[0]).toMatch(/^[0-9a-f-]{36}$/);
    exporter.reset();
    process.env.MCPCAT_STATELESS = "0";
    configure({ stateless: true });
    expect(await sessionIdsOnSpans()).toEqual([undefined, undefined]);
  });

  it("readBooleanEnv: unset and blank are undefined", () => {
    delete process.env.MCPCAT_STATELESS;
    expect(readBooleanEnv("MCPCAT_STATELESS")).toBeUndefined();
    process.env.MCPCAT_STATELESS = "  ";
    expect(readBooleanEnv("MCPCAT_STATELESS")).toBeUndefined();
    expect(logs.warnings()).toEqual([]);
  });

  it("an HTTP transport without a session id is never given an invented one", () => {
    // A framework adapter around the SDK's web-standard transport: HTTP by name, no
    // sessionIdGenerator of its own to auto-detect statelessness from.
    class HonoStreamableHTTPTransport {
      sessionId: string | undefined = undefined;
      async send() {}
    }
    const transport = new HonoStreamableHTTPTransport();
    expect(isStateless(undefined, transport)).toBe(true); // no session id at its first request
    const state = newConnectionState(transport, false);
    expect(state.networkTransport).toBe("tcp");
    expect(sessionIdOf(state, transport)).toBeUndefined();
    transport.sessionId = "sess-1";
    expect(sessionIdOf(state, transport)).toBe("sess-1");
    expect(isStateless(undefined, transport)).toBe(false);
    expect(isStateless(true, transport)).toBe(true); // the option wins
  });
});
