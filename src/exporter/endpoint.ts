/*
 * Where an exporter's events go: its project, and the URL of the events route, from its options
 * or the environment. Checked once, at construction: a wrong value throws there, not later.
 */
import { apiUrlFromEnv, ENV, projectIdFromEnv } from "../env.js";
import { EVENTS_PATH } from "./http-sender.js";
import type { MCPCatExporterOptions } from "./options.js";
import { AGENTCAT_API_BASE_URL } from "./vocabulary.js";

/** The option, else `AGENTCAT_PROJECT_ID`, else `MCPCAT_PROJECT_ID`; throws when none is set. */
export function projectIdOf(options: MCPCatExporterOptions): string {
  const projectId = options.projectId?.trim() || projectIdFromEnv();
  if (!projectId) {
    throw new Error(
      `MCPCatExporter: no project id; pass { projectId } or set ${ENV.agentcatProjectId} (or ${ENV.projectId})`,
    );
  }
  return projectId;
}

/** `POST` URL of the events: the base URL (option, environment, default) and the route. */
export function eventsUrlOf(options: MCPCatExporterOptions): URL {
  const base = options.apiBaseUrl?.trim() || apiUrlFromEnv() || AGENTCAT_API_BASE_URL;
  let url: URL;
  try {
    url = new URL(base.replace(/\/+$/, "") + EVENTS_PATH);
  } catch {
    throw new Error(`MCPCatExporter: invalid MCPCat API base URL ${JSON.stringify(base)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`MCPCatExporter: the MCPCat API base URL must be http(s): ${base}`);
  }
  return url;
}
