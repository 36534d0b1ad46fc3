import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SHUTDOWN_TIMEOUT_MS } from "../src/register/flush-on-exit.js";
import { ATTR_GEN_AI_TOOL_NAME } from "../src/semconv.js";
import { initializeAndCallEcho, spawnRaw } from "./helpers/child.js";
import { OtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.js";

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(async () => {
  await receiver.close();
});

const toolSpan = (spans: ReceivedSpan[], tool: string) =>
  spans.find((s) => s.attributes[ATTR_GEN_AI_TOOL_NAME] === tool);

describe("register flushes when the process ends", () => {
  // A batch delay far beyond the test: only the exit paths can deliver the spans.
  const holdBatches = { OTEL_BSP_SCHEDULE_DELAY: "600000" };

  it("on SIGTERM, then dies from the signal as it would have without register", async () => {
    const { child, out, exited } = spawnRaw("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...holdBatches,
    });
    await initializeAndCallEcho(child, out);
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: null, signal: "SIGTERM" });
    expect(toolSpan(receiver.spans, "echo")).toBeDefined();
  });

  it("on SIGINT, with the same signal", async () => {
    const { child, out, exited } = spawnRaw("cjs", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...holdBatches,
    });
    await initializeAndCallEcho(child, out);
    child.kill("SIGINT");
    expect(await exited).toEqual({ code: null, signal: "SIGINT" });
    expect(toolSpan(receiver.spans, "echo")).toBeDefined();
  });

  it("on SIGTERM when the app handles it: the app's handler decides the exit", async () => {
    const { child, out, exited } = spawnRaw("esm", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      FIXTURE_APP_SIGTERM: "1",
      ...holdBatches,
    });
    await initializeAndCallEcho(child, out);
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 42, signal: null });
    expect(out.stderr).toContain("fixture: app SIGTERM handler");
    expect(toolSpan(receiver.spans, "echo")).toBeDefined();
  });

  it("on a normal exit, keeping the exit code", async () => {
    const { child, out, exited } = spawnRaw("cjs", {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...holdBatches,
    });
    await initializeAndCallEcho(child, out);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(toolSpan(receiver.spans, "echo")).toBeDefined();
  });

  it("and does not hold the process when the collector is unreachable", async () => {
    const closed = await new OtlpReceiver().start();
    const url = closed.url;
    await closed.close();
    const { child, out, exited } = spawnRaw("esm", { OTEL_EXPORTER_OTLP_ENDPOINT: url });
    await initializeAndCallEcho(child, out);
    const started = Date.now();
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1000);
    expect(out.stderr).toContain(`not flushed within ${SHUTDOWN_TIMEOUT_MS} ms`);
  });
});
