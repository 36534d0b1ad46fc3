import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPCAT_PROMPT_ARGUMENTS,
  ATTR_MCPCAT_USER_INTENT,
} from "../src/semconv.js";

interface Pipeline {
  receivers: string[];
  processors: string[];
  exporters: string[];
}
interface CollectorConfig {
  receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
  processors: Record<string, { actions?: { key: string; action: string }[] }>;
  exporters: Record<string, { endpoint?: string }>;
  service: { pipelines: Record<string, Pipeline> };
}

const text = readFileSync(new URL("../otel-collector.yaml", import.meta.url), "utf8");
const config = parse(text) as CollectorConfig;

describe("otel-collector.yaml", () => {
  it("receives OTLP over HTTP on 4318 and gRPC on 4317", () => {
    const protocols = config.receivers.otlp?.protocols;
    expect(protocols?.http?.endpoint).toMatch(/:4318$/);
    expect(protocols?.grpc?.endpoint).toMatch(/:4317$/);
  });

  it.each(["traces", "metrics", "logs"])(
    "has a %s pipeline: otlp in, memory_limiter first, batch last, debug and a backend out",
    (name) => {
      const pipeline = config.service.pipelines[name];
      expect(pipeline).toBeDefined();
      if (!pipeline) return;
      expect(pipeline.receivers).toEqual(["otlp"]);
      expect(pipeline.processors[0]).toBe("memory_limiter");
      expect(pipeline.processors.at(-1)).toBe("batch");
      expect(pipeline.exporters).toContain("debug");
      expect(pipeline.exporters.some((e) => e.startsWith("otlp"))).toBe(true);
    },
  );

  it("defines every component a pipeline names (the Collector refuses to start otherwise)", () => {
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const r of pipeline.receivers) expect(config.receivers).toHaveProperty([r]);
      for (const p of pipeline.processors) expect(config.processors).toHaveProperty([p]);
      for (const e of pipeline.exporters) expect(config.exporters).toHaveProperty([e]);
    }
  });

  it("drops every content attribute this package can capture, in the traces pipeline", () => {
    const actions = config.processors["attributes/drop_content"]?.actions ?? [];
    const deleted = actions.filter((a) => a.action === "delete").map((a) => a.key);
    expect(deleted.sort()).toEqual(
      [
        ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
        ATTR_GEN_AI_TOOL_CALL_RESULT,
        ATTR_MCPCAT_PROMPT_ARGUMENTS,
        ATTR_MCPCAT_USER_INTENT,
      ].sort(),
    );
    expect(config.service.pipelines.traces?.processors).toContain("attributes/drop_content");
  });

  it("keeps the backend a placeholder read from the environment", () => {
    expect(config.exporters["otlphttp/backend"]?.endpoint).toMatch(
      /^\$\{env:OTLP_BACKEND_ENDPOINT/,
    );
  });
});
