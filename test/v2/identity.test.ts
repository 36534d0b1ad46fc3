import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { McpRequestExtra } from "../../src/config.js";
import { spanToEvent } from "../../src/index.js";
import {
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_USER_ID,
  MCPCAT_IDENTIFY_SPAN_NAME,
} from "../../src/semconv.js";
import { mcpSpans, setupTracing, spansNamed, waitFor } from "../helpers/tracing.js";
import {
  connectV2Http,
  type Era,
  type HandlerServer,
  handlerOverHttp,
  sessionfulOverHttp,
} from "./helpers.js";

const seen: McpRequestExtra[] = [];
const { exporter, instrumentation } = setupTracing();
let http: HandlerServer;

beforeAll(async () => {
  http = await handlerOverHttp();
});
afterAll(() => http.close());
beforeEach(() => {
  exporter.reset();
  seen.length = 0;
  instrumentation.setConfig({
    captureContent: true,
    // v1's shape on v2: a plain object of headers, read by name.
    identify: async (_request, extra) => {
      seen.push(extra);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      const user = extra.requestInfo?.headers["x-user-id"];
      return typeof user === "string" ? { userId: user } : null;
    },
  });
});

const USERS = 10;
const CALLS = 200;

describe.each<Era>(["modern", "legacy"])(
  "SDK v2 through createMcpHandler, %s-era clients: 10 users, 200 concurrent calls",
  (era) => {
    it("every SERVER span has its own caller's identity and client name, and no session id", async () => {
      const clients: Client[] = [];
      for (let i = 0; i < USERS; i++) {
        const headers: Record<string, string> = { "x-user-id": `user-${i}` };
        // Legacy-era requests name their client only in headers (stateless: nothing is kept).
        if (era === "legacy") headers["x-mcp-client-name"] = `client-${i}`;
        clients.push(await connectV2Http(http.url, era, { clientName: `client-${i}`, headers }));
      }
      exporter.reset();
      await Promise.all(
        Array.from({ length: CALLS }, (_, n) =>
          clients[n % USERS]!.callTool({
            name: "whoami",
            arguments: { caller: String(n % USERS), ms: Math.floor(Math.random() * 10) },
          }),
        ),
      );
      await Promise.all(clients.map((client) => client.close()));
      const whoami = () => mcpSpans(exporter).filter((span) => span.name === "tools/call whoami");
      await waitFor(() => whoami().length >= CALLS, "200 tools/call spans");
      const calls = whoami();
      expect(calls).toHaveLength(CALLS);
      for (const span of calls) {
        const caller = JSON.parse(String(span.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS])).caller;
        expect(span.attributes[ATTR_USER_ID]).toBe(`user-${caller}`);
        expect(span.attributes[ATTR_MCPCAT_CLIENT_NAME]).toBe(`client-${caller}`);
        expect(span.attributes[ATTR_MCP_SESSION_ID]).toBeUndefined();
        // MCPCat events from these spans are stateless, each with its own caller.
        const event = spanToEvent(span, { projectId: "proj_v2" });
        expect(event).toMatchObject({
          sessionId: null,
          eventType: "mcp:tools/call",
          identifyActorGivenId: `user-${caller}`,
          clientName: `client-${caller}`,
        });
      }
      expect(mcpSpans(exporter).some((span) => ATTR_MCP_SESSION_ID in span.attributes)).toBe(false);
      expect(spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME)).toHaveLength(0);
    });
  },
);

describe("identify on SDK v2 gets v1's (request, extra) shape", () => {
  it.each<Era>(["modern", "legacy"])(
    "%s era: requestInfo.headers is a plain object, url is a URL, authInfo is the transport's",
    async (era) => {
      const client = await connectV2Http(http.url, era, {
        headers: { "x-user-id": "ada", "x-test-token": "tok-1" },
      });
      seen.length = 0;
      await client.callTool({ name: "echo", arguments: { text: "hi" } });
      await client.close();
      const extra = seen.at(-1)!;
      expect(extra.requestInfo?.headers).toMatchObject({ "x-user-id": "ada" });
      expect(Object.getPrototypeOf(extra.requestInfo?.headers)).toBe(Object.prototype);
      expect(extra.requestInfo?.url).toBeInstanceOf(URL);
      expect(extra.requestInfo?.url?.pathname).toBe("/mcp");
      expect(extra.authInfo).toMatchObject({ token: "tok-1", clientId: "c1" });
      expect(extra.sessionId).toBeUndefined();
      // The span waits for identify (async here), so it may end just after the response.
      const echo = () => mcpSpans(exporter).find((s) => s.name === "tools/call echo");
      await waitFor(() => echo() !== undefined, "the tools/call span");
      const span = echo();
      expect(span?.attributes[ATTR_USER_ID]).toBe("ada");
      // The extra (every header, the token) is never exported as it is.
      expect(JSON.stringify(span?.attributes)).not.toContain("tok-1");
    },
  );
});

describe("SDK v2 over a sessionful Streamable HTTP transport (one transport for the session)", () => {
  it("the caller changes between requests of one session: each span has its own request's identity", async () => {
    const sessionful = await sessionfulOverHttp();
    try {
      // One session, its requests sent with a header that changes between them.
      const headers: Record<string, string> = { "x-user-id": "ada" };
      const client = await connectV2Http(sessionful.url, "legacy", { headers });
      const sessionId = (client.transport as { sessionId?: string }).sessionId;
      expect(sessionId).toBeDefined();
      exporter.reset();
      for (const user of ["ada", "grace", "ada", "linus"]) {
        headers["x-user-id"] = user;
        await client.callTool({ name: "echo", arguments: { text: user } });
      }
      await client.close();
      await waitFor(() => mcpSpans(exporter).length === 4, "four SERVER spans");
      const spans = mcpSpans(exporter);
      expect(new Set(spans.map((span) => span.attributes[ATTR_MCP_SESSION_ID])).size).toBe(1);
      for (const span of spans) {
        const text = JSON.parse(String(span.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS])).text;
        expect(span.attributes[ATTR_USER_ID]).toBe(text);
      }
      // One identify span per change of the session's identity (ada was already its identity).
      expect(
        spansNamed(exporter, MCPCAT_IDENTIFY_SPAN_NAME).map(
          (span) => span.attributes[ATTR_USER_ID],
        ),
      ).toEqual(["grace", "ada", "linus"]);
    } finally {
      await sessionful.close();
    }
  });
});
