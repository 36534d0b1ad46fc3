/*
 * One MCPCat / AgentCat event, and the options of the mapping that makes it from a span.
 */
import type { PublishEventRequest as AgentCatRequest } from "agentcat-api";
import type { PublishEventRequest as McpcatRequest } from "mcpcat-api";
import type { ApiVocabulary, EventType } from "./vocabulary.js";

/** The declared fields of a generated model (without its `[key: string]: any` index). */
type Declared<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/**
 * One MCPCat / AgentCat event, as {@link spanToEvent} makes it: an `agentcat-api`
 * `PublishEventRequest` (the current API) or, with the legacy vocabulary, an `mcpcat-api` one.
 * `sessionId` is `null` when the server is stateless ("null for stateless mode"); the version
 * is in `agentcatVersion` (current) or `mcpcatVersion` (legacy).
 */
export type MCPCatEvent = Omit<Declared<AgentCatRequest>, "sessionId" | "eventType"> &
  Pick<Declared<McpcatRequest>, "mcpcatVersion"> & {
    sessionId: string | null;
    eventType: EventType;
  };

/** Options of {@link spanToEvent}. */
export interface SpanToEventOptions {
  /** The MCPCat project the events belong to. */
  projectId: string;
  /**
   * Also map methods that `mcpcat-api`'s `PublishEventRequestEventTypeEnum` does not list (for
   * example a custom method or one newer than the API client) to `mcp:<method>`. Default
   * `false`: the API validates the event type, so such events would only be rejected with 400.
   */
  includeUnknownMethods?: boolean;
  /**
   * Which API the event is for: `"agentcat"` (default; the current API: `agentcat:identify`,
   * `agentcatVersion`, the `mcp:tasks/*` types) or `"mcpcat"` (the legacy API:
   * `mcpcat:identify`, `mcpcatVersion`).
   */
  vocabulary?: ApiVocabulary;
  /** Sent as `sdkLanguage`. Default `"TypeScript"` (what the vendor's TypeScript SDK sends). */
  sdkLanguage?: string;
  /**
   * Sent as `agentcatVersion` (or `mcpcatVersion` on the legacy API).
   * Default `"mcpcat-otel/<version of this package>"`.
   */
  sdkVersion?: string;
  /** @deprecated The same as `sdkVersion` (its name from before the AgentCat API). */
  mcpcatVersion?: string;
}
