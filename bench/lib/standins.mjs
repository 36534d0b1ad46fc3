// Loopback stand-ins for the remote ends of the benchmark: the MCPCat events API and an OTLP/HTTP
// trace receiver. They run in the runner process (never in a measured process), decode every
// body, and count what was valid per run, so a configuration's delivery can be checked.
// Every run gets its own path prefix, `/r/<runId>`, and its own counters.
import { createServer } from "node:http";

const EVENTS_PATH = "/v1/public/events/";
const TRACES_PATH = "/v1/traces";
const METRICS_PATH = "/v1/metrics";

function newStats() {
  return {
    events: 0,
    invalidEvents: 0,
    eventTypes: {},
    spans: 0,
    toolSpans: 0,
    otlpRequests: 0,
    invalidOtlp: 0,
    metricsRequests: 0,
    other: 0,
    firstAt: 0,
    lastAt: 0,
  };
}

/** Milliseconds since the epoch with sub-millisecond resolution (comparable across processes). */
export function wallNow() {
  return performance.timeOrigin + performance.now();
}

/** Is `body` a PublishEventRequest as the AgentCat (or legacy MCPCat) API reads it (snake_case keys)? */
export function isValidEvent(body) {
  return (
    body !== null &&
    typeof body === "object" &&
    typeof body.project_id === "string" &&
    body.project_id.length > 0 &&
    typeof body.event_type === "string" &&
    /^(mcp|mcpcat|agentcat):/.test(body.event_type) &&
    "session_id" in body
  );
}

/**
 * Counts the spans of an OTLP/JSON ExportTraceServiceRequest (all, and those of tools/call),
 * or returns null if it is not one.
 */
export function countOtlpSpans(body) {
  if (!body || !Array.isArray(body.resourceSpans)) return null;
  const n = { all: 0, tools: 0 };
  for (const rs of body.resourceSpans) {
    for (const ss of rs?.scopeSpans ?? []) {
      for (const span of ss?.spans ?? []) {
        if (typeof span?.traceId !== "string" || typeof span?.spanId !== "string") return null;
        n.all++;
        if (typeof span.name === "string" && span.name.startsWith("tools/call")) n.tools++;
      }
    }
  }
  return n;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Starts both stand-ins on one loopback port. `GET /r/<id>/__stats` returns a run's counters;
 * `stats(id)` reads them in-process.
 */
export async function startStandins() {
  const runs = new Map();
  const statsFor = (id) => {
    let s = runs.get(id);
    if (!s) {
      s = newStats();
      runs.set(id, s);
    }
    return s;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/r\/([^/]+)(\/.*)$/.exec(url.pathname);
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, id, path] = m;
    const s = statsFor(id);
    if (req.method === "GET" && path === "/__stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(s));
      return;
    }
    const now = wallNow();
    if (req.method === "POST" && path === EVENTS_PATH) {
      let parsed;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        parsed = null;
      }
      if (isValidEvent(parsed)) {
        s.events++;
        s.eventTypes[parsed.event_type] = (s.eventTypes[parsed.event_type] ?? 0) + 1;
        if (!s.firstAt) s.firstAt = now;
        s.lastAt = now;
        res.writeHead(202, { "content-type": "application/json" });
        res.end('{"status":"accepted"}');
      } else {
        s.invalidEvents++;
        res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid"}');
      }
      return;
    }
    if (req.method === "POST" && path === TRACES_PATH) {
      s.otlpRequests++;
      let n = null;
      try {
        n = countOtlpSpans(JSON.parse(body.toString("utf8")));
      } catch {
        n = null;
      }
      if (!n) {
        s.invalidOtlp++;
        res.writeHead(400).end();
        return;
      }
      s.spans += n.all;
      s.toolSpans += n.tools;
      if (!s.firstAt) s.firstAt = now;
      s.lastAt = now;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    if (req.method === "POST" && path === METRICS_PATH) {
      s.metricsRequests++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    s.other++;
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stats: (id) => ({ ...statsFor(id) }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a run's counters from a stand-in in another process. */
export async function fetchStats(baseUrl, runId) {
  const res = await fetch(`${baseUrl}/r/${runId}/__stats`);
  return res.json();
}
