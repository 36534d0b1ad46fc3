import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPCAT_USER_INTENT,
} from "../src/semconv.js";

interface Pipeline {
  receivers: string[];
  processors: string[];
  exporters: string[];
}
interface Action {
  key?: string;
  pattern?: string;
  action: string;
}
interface Policy {
  name: string;
  type: string;
  status_code?: { status_codes: string[] };
  latency?: { threshold_ms: unknown };
  probabilistic?: { sampling_percentage: unknown };
}
interface CollectorConfig {
  receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
  processors: Record<string, { actions?: Action[]; policies?: Policy[] }>;
  exporters: Record<string, Record<string, unknown>>;
  service: { pipelines: Record<string, Pipeline> };
}

function load(path: string): CollectorConfig {
  return parse(readFileSync(new URL(path, import.meta.url), "utf8")) as CollectorConfig;
}

const FILES = {
  "otel-collector.yaml": load("../otel-collector.yaml"),
  "collector/agent.yaml": load("../collector/agent.yaml"),
  "collector/gateway.yaml": load("../collector/gateway.yaml"),
};
const single = FILES["otel-collector.yaml"];
const agent = FILES["collector/agent.yaml"];
const gateway = FILES["collector/gateway.yaml"];

/** Every content attribute this package can capture; a family by its prefix. */
const CONTENT = [
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPCAT_USER_INTENT,
  `${ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX}who`,
];

/** Whether the processor's delete actions remove `attribute` (by key or by regex pattern). */
function deletes(config: CollectorConfig, attribute: string): boolean {
  const actions = config.processors["attributes/drop_content"]?.actions ?? [];
  return actions.some(
    (a) =>
      a.action === "delete" &&
      (a.key === attribute || (a.pattern !== undefined && new RegExp(a.pattern).test(attribute))),
  );
}

describe.each(Object.entries(FILES))("%s", (_name, config) => {
  it("receives OTLP over HTTP on 4318 and gRPC on 4317", () => {
    const protocols = config.receivers.otlp?.protocols;
    expect(protocols?.http?.endpoint).toMatch(/:4318$/);
    expect(protocols?.grpc?.endpoint).toMatch(/:4317$/);
  });

  it.each(["traces", "metrics", "logs"])(
    "has a %s pipeline: otlp in, memory_limiter first, batch last",
    (signal) => {
      const pipeline = config.service.pipelines[signal];
      expect(pipeline).toBeDefined();
      expect(pipeline?.receivers).toEqual(["otlp"]);
      expect(pipeline?.processors[0]).toBe("memory_limiter");
      expect(pipeline?.processors.at(-1)).toBe("batch");
      expect(pipeline?.exporters.length).toBeGreaterThan(0);
    },
  );

  it("defines every component a pipeline names (the Collector refuses to start otherwise)", () => {
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const r of pipeline.receivers) expect(config.receivers).toHaveProperty([r]);
      for (const p of pipeline.processors) expect(config.processors).toHaveProperty([p]);
      for (const e of pipeline.exporters) expect(config.exporters).toHaveProperty([e]);
    }
  });
});

describe("otel-collector.yaml (one tier)", () => {
  it("exports every signal to debug and an OTLP backend read from the environment", () => {
    for (const pipeline of Object.values(single.service.pipelines)) {
      expect(pipeline.exporters).toEqual(["debug", "otlphttp/backend"]);
    }
    expect(single.exporters["otlphttp/backend"]?.endpoint).toMatch(
      /^\$\{env:OTLP_BACKEND_ENDPOINT/,
    );
  });

  it.each(CONTENT)("drops the content attribute %s in the traces pipeline", (attribute) => {
    expect(deletes(single, attribute)).toBe(true);
    expect(single.service.pipelines.traces?.processors).toContain("attributes/drop_content");
  });

  it("keeps what is not content (the tool name, the method)", () => {
    expect(deletes(single, "gen_ai.tool.name")).toBe(false);
    expect(deletes(single, "gen_ai.prompt.name")).toBe(false);
  });
});

describe("collector/agent.yaml (per host)", () => {
  it("routes traces by trace id through the loadbalancing exporter to the gateways", () => {
    expect(agent.service.pipelines.traces?.exporters).toEqual(["loadbalancing"]);
    const lb = agent.exporters.loadbalancing as {
      routing_key: string;
      protocol: { otlp: unknown };
      resolver: { dns?: { hostname: string } };
    };
    expect(lb.routing_key).toBe("traceID");
    expect(lb.protocol.otlp).toBeDefined();
    expect(lb.resolver.dns?.hostname).toMatch(/^\$\{env:GATEWAY_HOSTNAME/);
  });

  it("sends metrics and logs to the gateway tier without trace affinity", () => {
    expect(agent.service.pipelines.metrics?.exporters).toEqual(["otlp/gateway"]);
    expect(agent.service.pipelines.logs?.exporters).toEqual(["otlp/gateway"]);
  });

  it("does not sample: a host sees only part of a trace", () => {
    const all = Object.values(agent.service.pipelines).flatMap((p) => p.processors);
    expect(all).not.toContain("tail_sampling");
  });
});

describe("collector/gateway.yaml (the gateway tier)", () => {
  const policies = gateway.processors.tail_sampling?.policies ?? [];

  it("tail-samples traces: keeps every error, every slow trace, and a share of the rest", () => {
    const byType = new Map(policies.map((p) => [p.type, p]));
    expect(byType.get("status_code")?.status_code?.status_codes).toEqual(["ERROR"]);
    expect(String(byType.get("latency")?.latency?.threshold_ms)).toMatch(/SLOW_TRACE_MS:-2000/);
    expect(String(byType.get("probabilistic")?.probabilistic?.sampling_percentage)).toMatch(
      /SAMPLE_PERCENT:-10/,
    );
    expect(policies).toHaveLength(3);
  });

  it("samples first, deletes content, batches last, in the traces pipeline only", () => {
    expect(gateway.service.pipelines.traces?.processors).toEqual([
      "memory_limiter",
      "tail_sampling",
      "attributes/drop_content",
      "batch",
    ]);
    expect(gateway.service.pipelines.metrics?.processors).not.toContain("tail_sampling");
  });

  it.each(CONTENT)("drops the content attribute %s", (attribute) => {
    expect(deletes(gateway, attribute)).toBe(true);
  });

  it("receives on the port the agents' loadbalancing exporter sends to", () => {
    const lb = agent.exporters.loadbalancing as { resolver: { dns: { port: number } } };
    expect(gateway.receivers.otlp?.protocols?.grpc?.endpoint).toMatch(
      new RegExp(`:${lb.resolver.dns.port}$`),
    );
  });
});
