/*
 * `register` preloaded and the app's own NodeSDK: one diag line says so, instead of one
 * "duplicate registration" stack trace per OpenTelemetry global and a silently lost service name.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { cleanEnv, runToEnd, until } from "./helpers/child.js";
import { OtlpReceiver } from "./helpers/otlp-receiver.js";

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await new OtlpReceiver().start();
});
afterEach(() => receiver.close());

it("says in one line that the app's own SDK is not used; register's spans still flow", async () => {
  const run = await runToEnd(
    ["--import", "mcpcat-otel/register", "own-sdk.mjs"],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "from-env",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    }),
  );
  expect(run.code).toBe(0);
  expect(run.stderr).not.toMatch(/duplicate registration/);
  expect(run.stderr.trim().split("\n")).toEqual([
    "[otel warn] mcpcat-otel/register the app starts an OpenTelemetry SDK of its own; " +
      "register's, set up from the environment, stays in charge and the app's (its service " +
      "name, exporters) is not used. Use one: drop the register preload, or add " +
      "McpInstrumentation to the app's NodeSDK",
  ]);
  await until(() => receiver.spans.some((s) => s.kind === 2), "SERVER spans");
  const names = new Set(receiver.spans.map((s) => s.resource["service.name"]));
  expect([...names]).toEqual(["from-env"]);
});

it("preloaded after the app's own SDK: adds McpInstrumentation to it, in one line", async () => {
  const run = await runToEnd(
    ["--import", "./sdk-only-setup.mjs", "--import", "mcpcat-otel/register", "esm-static.mjs"],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
    }),
  );
  expect(run.stderr.trim().split("\n")).toEqual([
    "[otel warn] mcpcat-otel/register an OpenTelemetry SDK is already started in this " +
      "process; register starts none and adds McpInstrumentation to it",
  ]);
  expect(run.code).toBe(0);
  await until(() => receiver.spans.some((s) => s.kind === 2), "SERVER spans");
  expect([...new Set(receiver.spans.map((s) => s.resource["service.name"]))]).toEqual([
    "the-apps-own-name",
  ]);
});
