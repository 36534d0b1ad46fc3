/*
 * The instrumentation's options, resolved once from its config and the environment.
 */
import { randomBytes } from "node:crypto";
import type { McpInstrumentationConfig } from "./config.js";
import { DEFAULT_MAX_CONTENT_LENGTH } from "./content.js";
import { ENV, readBooleanEnv } from "./env.js";
import type { ResolvedOptions } from "./internal-types.js";
import { log } from "./log.js";

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
