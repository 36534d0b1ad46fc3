import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { MCPCatExporterOptions } from "../../src/exporter/options.js";

// Every option, once: TypeScript fails here when an option is added or renamed in src/exporter/options.ts.
const allOptions: Required<MCPCatExporterOptions> = {
  projectId: "",
  apiBaseUrl: "",
  vocabulary: "agentcat",
  includeUnknownMethods: false,
  maxQueueSize: 0,
  maxQueueBytes: 0,
  maxConcurrentRequests: 0,
  timeoutMillis: 0,
  maxRetries: 0,
  initialBackoffMillis: 0,
  maxBackoffMillis: 0,
  shutdownTimeoutMillis: 0,
  headers: {},
  redactEvent: (event) => event,
};

const readme = readFileSync(new URL("../../docs/exporter.md", import.meta.url), "utf8");
const marker = "## Exporter options";

it("docs/exporter.md's options table lists exactly MCPCatExporterOptions", () => {
  expect(readme).toContain(marker);
  // Backticked names in the first column of the first table after the heading.
  const documented: string[] = [];
  let inTable = false;
  for (const line of readme.slice(readme.indexOf(marker)).split("\n").slice(1)) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    for (const m of (line.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)) documented.push(m[1]!);
  }
  expect(documented.sort()).toEqual(Object.keys(allOptions).sort());
});
