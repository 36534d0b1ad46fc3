/*
 * JSON-RPC error codes as both the instrumentation and the exporter read them.
 */

/**
 * JSON-RPC error codes that are the client's fault, with their standard names. On a SERVER
 * span they are recorded (`rpc.response.status_code`) but do not make the span an error of the
 * server. -32002 is MCP's "resource not found".
 */
export const CLIENT_FAULT_CODES: ReadonlyMap<number, string> = new Map([
  [-32700, "Parse error"],
  [-32600, "Invalid request"],
  [-32601, "Method not found"],
  [-32602, "Invalid params"],
  [-32002, "Resource not found"],
]);
