// The multi-megabyte bundle bench/startup.mjs measures (docs/reach.md, "Bundled copies"): SDK v1
// and v2 (server and client) inlined into one CommonJS file, three Protocol classes. Build it with
// `npx esbuild startup-entry.js --bundle --platform=node --format=cjs --outfile=<file>.cjs`.

export * as sse from "@modelcontextprotocol/sdk/server/sse.js";
export * as stdio from "@modelcontextprotocol/sdk/server/stdio.js";
export * as http from "@modelcontextprotocol/sdk/server/streamableHttp.js";
export * as v1 from "./parts-v1.js";
export * as v2 from "./parts-v2.js";
