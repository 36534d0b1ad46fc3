// The demo's callers: each a real MCP client with its own bearer token, all at the same time.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** Who holds which token: what an auth layer would know. The tokens are never recorded. */
export const USERS = {
  "demo-token-alice": { userId: "alice", userName: "Alice Liddell", userData: { plan: "pro" } },
  "demo-token-bob": { userId: "bob", userName: "Bob Ross", userData: { plan: "free" } },
  "demo-token-carol": { userId: "carol", userName: "Carol Danvers", userData: { plan: "team" } },
};

/** The `identify` of the demo: the caller from the request's bearer token. */
export function identify(_request, extra) {
  const auth = extra.requestInfo?.headers?.authorization;
  const token = typeof auth === "string" ? auth.replace(/^Bearer /, "") : undefined;
  return (token && USERS[token]) || null;
}

const SCRIPTS = {
  alice: async (client) => {
    await client.listTools();
    await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
    await client.callTool({ name: "divide", arguments: { a: 1, b: 0 } }); // a tool error
    await client.getPrompt({ name: "summarize", arguments: { topic: "OpenTelemetry" } });
  },
  bob: async (client) => {
    await client.callTool({
      name: "search_docs",
      arguments: { query: "register", context: "the user asked how to add tracing without code" },
    });
    await client.readResource({ uri: "docs://install" });
  },
  carol: async (client) => {
    await client.callTool({ name: "divide", arguments: { a: 84, b: 2 } });
    await client.readResource({ uri: "docs://missing" }).catch(() => {}); // "not found"
  },
  anonymous: async (client) => {
    await client.callTool({ name: "add", arguments: { a: 1, b: 1 } });
  },
};

/** Runs every user's script against `url` concurrently; one client each, as its own app. */
export async function runUsers(url) {
  const tokens = Object.fromEntries(Object.entries(USERS).map(([token, u]) => [u.userId, token]));
  await Promise.all(
    Object.entries(SCRIPTS).map(async ([name, script]) => {
      const token = tokens[name];
      const transport = new StreamableHTTPClientTransport(url, {
        requestInit: {
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            // A stateless server cannot see the client's `initialize` on later requests.
            "x-mcp-client-name": `${name}-agent`,
            "x-mcp-client-version": "1.0.0",
          },
        },
      });
      const client = new Client({ name: `${name}-agent`, version: "1.0.0" });
      await client.connect(transport);
      await script(client);
      await client.close();
    }),
  );
}
