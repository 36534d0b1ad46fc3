// The peers, set up as their own documentation says, from bench/node_modules (installed by
// `npm ci --prefix bench`, nested: each keeps the OpenTelemetry line it pins). Where the docs
// leave a choice, the cheapest faithful one is taken and said so in `note`.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { IDENTITY } from "./bare-span.mjs";
import { countingExporter, setupCountedTracing } from "./otel.mjs";
import { fetchStats } from "./standins.mjs";

const requireBench = createRequire(new URL("../package.json", import.meta.url));

/** Waits until the stand-in's event count stops moving (the peer's queue has drained). */
async function settledEvents(ctx, quietMs = 400, maxMs = 20_000) {
  const end = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const { events } = await fetchStats(ctx.standinUrl, ctx.runId);
    if (events !== last) {
      last = events;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs || Date.now() > end) {
      return events;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const mcpcat = {
  label: "mcpcat (track)",
  kind: "peer",
  package: "mcpcat",
  note: "track(server, projectId, { identify }) on every server; events sent by its own queue to the loopback stand-in (MCPCAT_API_URL); diagnostics off; its log file goes to a temporary HOME",
  async setup(ctx) {
    process.env.MCPCAT_API_URL = `${ctx.standinUrl}/r/${ctx.runId}`;
    process.env.DISABLE_DIAGNOSTICS = "1";
    const { track } = await import("mcpcat");
    const options = { identify: async () => IDENTITY, disableDiagnostics: true };
    return {
      hooks: { beforeTools: (server) => track(server, "proj_bench", options) },
      unit: "events",
      count: () => settledEvents(ctx),
      shutdown: async () => {},
    };
  },
};

const traceloop = {
  label: "@traceloop/instrumentation-mcp",
  kind: "peer",
  package: "@traceloop/instrumentation-mcp",
  note: "new McpInstrumentation() with manuallyInstrument({ Server }) (its documented ESM path), same TracerProvider as ours. It wraps Client.prototype.request and Server.prototype.request, i.e. requests a server SENDS: requests it handles get no span",
  async setup() {
    const { McpInstrumentation } = await import("@traceloop/instrumentation-mcp");
    const { Server } = await import("@modelcontextprotocol/sdk/server/index.js");
    const tracing = setupCountedTracing();
    const instrumentation = new McpInstrumentation();
    instrumentation.setTracerProvider(tracing.provider);
    instrumentation.manuallyInstrument({ Server });
    return { hooks: {}, ...tracing };
  },
};

const shinzo = {
  label: "@shinzolabs/instrumentation-mcp",
  kind: "peer",
  package: "@shinzolabs/instrumentation-mcp",
  note: "instrumentServer's parts: one TelemetryManager (its own NodeSDK 0.51, metrics on, PII sanitizer on: the defaults) and McpServerInstrumentation per server, since instrumentServer makes a NodeSDK per call; its trace exporter replaced by the counting one, metrics to the loopback receiver",
  async setup(ctx) {
    const { TelemetryManager } = requireBench("@shinzolabs/instrumentation-mcp");
    const { McpServerInstrumentation } = requireBench(
      "@shinzolabs/instrumentation-mcp/dist/instrumentation.js",
    );
    const { exporter, state } = countingExporter();
    TelemetryManager.prototype.createTraceExporter = () => exporter;
    const manager = new TelemetryManager({
      serverName: "bench-server",
      serverVersion: "1.0.0",
      exporterEndpoint: `${ctx.standinUrl}/r/${ctx.runId}/v1`,
    });
    return {
      hooks: {
        beforeTools: (server) => new McpServerInstrumentation(server, manager).instrument(),
      },
      unit: "spans",
      async count() {
        await manager.sdk._tracerProvider?.forceFlush();
        return state.spans;
      },
      shutdown: () => manager.shutdown(),
    };
  },
};

/** Spans in a Sentry envelope: a transaction is its root span plus its child spans. */
function countEnvelopeSpans(envelope) {
  let n = 0;
  for (const [header, payload] of envelope[1] ?? []) {
    if (header?.type === "transaction") n += 1 + (payload?.spans?.length ?? 0);
    else if (header?.type === "span") n += header.item_count ?? payload?.items?.length ?? 1;
  }
  return n;
}

const sentry = {
  label: "Sentry wrapMcpServerWithSentry",
  kind: "peer",
  package: "@sentry/node",
  note: "Sentry.init({ tracesSampleRate: 1 }) with a transport that counts and discards (no network), its HTTP and fetch integrations off (they would trace the benchmark's own client), wrapMcpServerWithSentry(server) on every server",
  async setup() {
    const Sentry = await import("@sentry/node");
    const state = { spans: 0, envelopes: 0 };
    Sentry.init({
      dsn: "https://public@127.0.0.1/1",
      tracesSampleRate: 1,
      transport: () => ({
        send: async (envelope) => {
          state.envelopes++;
          state.spans += countEnvelopeSpans(envelope);
          return { statusCode: 200 };
        },
        flush: async () => true,
      }),
      integrations: (defaults) =>
        defaults.filter((i) => i.name !== "Http" && i.name !== "NodeFetch"),
    });
    return {
      hooks: { afterTools: (server) => Sentry.wrapMcpServerWithSentry(server) },
      unit: "spans",
      async count() {
        await Sentry.flush(5000);
        return state.spans;
      },
      shutdown: () => Sentry.close(2000),
    };
  },
};

export const peerConfigs = { mcpcat, traceloop, shinzo, sentry };

/** Are the peers installed in bench/node_modules? */
export function peersInstalled() {
  return Object.values(peerConfigs).every((c) =>
    existsSync(new URL(`../node_modules/${c.package}/package.json`, import.meta.url)),
  );
}
