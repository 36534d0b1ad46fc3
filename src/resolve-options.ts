/*
 * The instrumentation's options, resolved once from its config and the environment.
 */
import { randomBytes } from "node:crypto";
import type { McpInstrumentationConfig } from "./config.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "./content.js";
import { ENV, readBooleanEnv } from "./env.js";
import type { AgentTools, ResolvedOptions } from "./internal-types.js";
import { log } from "./log.js";
import { contextDescriptionOf } from "./tool-call-context.js";

/** Default of `identifyTimeoutMs`: how long a span waits for `identify` and an async `redact`. */
export const DEFAULT_ASYNC_WORK_TIMEOUT_MS = 1000;

export function resolveOptions(config: McpInstrumentationConfig): ResolvedOptions {
  return {
    config,
    stateless: config.stateless ?? readBooleanEnv(ENV.stateless),
    captureContent: config.captureContent ?? readBooleanEnv(ENV.captureContent) ?? false,
    maxContentLength: positiveOr(config.maxContentLength, DEFAULT_MAX_CONTENT_LENGTH),
    asyncWorkTimeoutMs: positiveOr(config.identifyTimeoutMs, DEFAULT_ASYNC_WORK_TIMEOUT_MS),
    sessionIdHashKey: config.sessionIdExport === "raw" ? undefined : sessionIdKeyOf(config),
    agentTools: agentToolsOf(config),
  };
}

/** `toolCallContext` and `reportMissing`, each else its variable; `undefined` when both are off. */
function agentToolsOf(config: McpInstrumentationConfig): AgentTools | undefined {
  const context = config.toolCallContext ?? readBooleanEnv(ENV.toolCallContext) ?? false;
  const reportMissing = (config.reportMissing ?? readBooleanEnv(ENV.reportMissing)) === true;
  if (!context && !reportMissing) return undefined;
  return {
    contextDescription: context ? contextDescriptionOf(context) : undefined,
    reportMissing,
  };
}

// One random key per process, when none is given: hashes are stable for a session's life.
let processSessionIdKey: string | undefined;

function sessionIdKeyOf(config: McpInstrumentationConfig): string {
  if (typeof config.sessionIdKey === "string" && config.sessionIdKey !== "") {
    return config.sessionIdKey;
  }
  processSessionIdKey ??= randomBytes(32).toString("hex");
  return processSessionIdKey;
}

/** A bound or timeout of 0 would record nothing, or wait for nothing: it falls back, said so. */
function positiveOr(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  log.warn(`${String(value)} is not a positive number; using ${fallback}`);
  return fallback;
}
