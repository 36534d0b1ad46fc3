/**
 * An MCP client that calls a server, over Streamable HTTP or stdio:
 *
 *   node examples/client.ts http://127.0.0.1:3000/mcp alice     # as user "alice" (x-user-id)
 *   node examples/client.ts node --import mcpcat-otel/register examples/stdio-server.ts
 *
 * It lists the tools and calls `add`, and `divide` when the server has it, printing the results.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

const [target, ...rest] = process.argv.slice(2);
if (!target) {
  console.error("usage: client.ts <url> [user] | client.ts <command> [args...]");
  process.exit(2);
}

function transportFor(target: string, rest: string[]): Transport {
  if (/^https?:\/\//.test(target)) {
    const user = rest[0];
    return new StreamableHTTPClientTransport(new URL(target), {
      // Who is calling, for the server's `identify`; and which client, for a stateless server
      // (it cannot know the client's `initialize` of another request).
      requestInit: {
        headers: {
          ...(user ? { "x-user-id": user } : {}),
          "x-mcp-client-name": "example-client",
          "x-mcp-client-version": "1.0.0",
        },
      },
    });
  }
  // Keep the server's stderr visible; pass the environment on (the SDK passes only a few
  // variables by default), so that OTEL_* and MCPCAT_* reach the server.
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return new StdioClientTransport({ command: target, args: rest, env, stderr: "inherit" });
}

const client = new Client({ name: "example-client", version: "1.0.0" });
await client.connect(transportFor(target, rest));

const { tools } = await client.listTools();
console.log(`tools: ${tools.map((tool) => tool.name).join(", ")}`);
const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join(" ");

console.log(
  `add(2, 3) = ${text(await client.callTool({ name: "add", arguments: { a: 2, b: 3 } }))}`,
);
if (tools.some((tool) => tool.name === "divide")) {
  const result = await client.callTool({ name: "divide", arguments: { a: 1, b: 0 } });
  console.log(`divide(1, 0) = ${text(result)}${result.isError ? " (tool error)" : ""}`);
}
await client.close();
