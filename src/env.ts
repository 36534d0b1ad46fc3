import { log } from "./log.js";

/** Every environment variable this package reads, in one place. */
export const ENV = {
  stateless: "MCPCAT_STATELESS",
  /** The current name; wins over {@link ENV.projectId}. */
  agentcatProjectId: "AGENTCAT_PROJECT_ID",
  projectId: "MCPCAT_PROJECT_ID",
  /** The current name; wins over {@link ENV.apiUrl}, as in the vendor's own SDK. */
  agentcatApiUrl: "AGENTCAT_API_URL",
  apiUrl: "MCPCAT_API_URL",
  captureContent: "MCPCAT_CAPTURE_CONTENT",
  toolCallContext: "MCPCAT_TOOL_CALL_CONTEXT",
  reportMissing: "MCPCAT_REPORT_MISSING",
} as const;

/** The project id from the environment: `AGENTCAT_PROJECT_ID`, else `MCPCAT_PROJECT_ID`. */
export function projectIdFromEnv(): string | undefined {
  return readStringEnv(ENV.agentcatProjectId) ?? readStringEnv(ENV.projectId);
}

/** The API base URL from the environment: `AGENTCAT_API_URL`, else `MCPCAT_API_URL`. */
export function apiUrlFromEnv(): string | undefined {
  return readStringEnv(ENV.agentcatApiUrl) ?? readStringEnv(ENV.apiUrl);
}

const TRUE_VALUES = new Set(["1", "true", "yes"]);
const FALSE_VALUES = new Set(["0", "false", "no"]);

/**
 * Reads a boolean variable: `1`/`true`/`yes` and `0`/`false`/`no`, any case. Unset or empty is
 * `undefined`; anything else is a diag warning and `undefined` (the caller's default applies).
 */
export function readBooleanEnv(name: string): boolean | undefined {
  const raw = process.env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (value === "") return undefined;
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  log.warn(`ignoring ${name}=${JSON.stringify(raw)}; expected 1/true/yes or 0/false/no`);
  return undefined;
}

/** Reads a string variable; unset or blank is `undefined`. */
export function readStringEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}
