/*
 * The two vocabularies of the analytics API. MCPCat renamed itself AgentCat: the current API
 * (`agentcat-api` 1.0.1, https://api.agentcat.com) keeps the legacy route and snake_case body
 * (`mcpcat-api` 0.1.9, https://api.mcpcat.io) but names the identify event `agentcat:identify`
 * and the version field `agentcat_version`, and adds the `mcp:tasks/*` event types. Everything
 * that differs between the two is here; the mapping and the delivery are shared.
 */
import {
  PublishEventRequestEventTypeEnum as AgentCatEventTypes,
  PublishEventRequestToJSON as agentcatToJSON,
} from "agentcat-api";
import {
  PublishEventRequestEventTypeEnum as McpcatEventTypes,
  PublishEventRequestToJSON as mcpcatToJSON,
} from "mcpcat-api";

/** `"agentcat"`: the current API. `"mcpcat"`: the legacy one. */
export type ApiVocabulary = "agentcat" | "mcpcat";

/**
 * The custom event type of each API. Neither generated model lists it in its enum, but each
 * vendor SDK sends it (`agentcat` 1.0.1: `agentcat:custom`; `mcpcat` 0.1.17: `mcpcat:custom`).
 */
export type CustomEventType = "agentcat:custom" | "mcpcat:custom";

/** Event types either API accepts. */
export type EventType =
  | (typeof AgentCatEventTypes)[keyof typeof AgentCatEventTypes]
  | (typeof McpcatEventTypes)[keyof typeof McpcatEventTypes]
  | CustomEventType;

export interface Vocabulary {
  readonly name: ApiVocabulary;
  /** The event type of an identify span. */
  readonly identifyEventType: EventType;
  /** The event type of a `publishCustomEvent` span. */
  readonly customEventType: CustomEventType;
  /** Every event type the API's enum lists (it answers 400 to any other). */
  readonly eventTypes: ReadonlySet<string>;
  /** The event field that carries the sender's version. */
  readonly versionField: "agentcatVersion" | "mcpcatVersion";
  /** The generated model's serializer (camelCase event to snake_case body, plus camelCase). */
  readonly toJSON: (event: never) => unknown;
}

export const VOCABULARIES: Readonly<Record<ApiVocabulary, Vocabulary>> = {
  agentcat: {
    name: "agentcat",
    identifyEventType: AgentCatEventTypes.agentcatIdentify,
    customEventType: "agentcat:custom",
    eventTypes: new Set(Object.values(AgentCatEventTypes)),
    versionField: "agentcatVersion",
    toJSON: agentcatToJSON as (event: never) => unknown,
  },
  mcpcat: {
    name: "mcpcat",
    identifyEventType: McpcatEventTypes.mcpcatIdentify,
    customEventType: "mcpcat:custom",
    eventTypes: new Set(Object.values(McpcatEventTypes)),
    versionField: "mcpcatVersion",
    toJSON: mcpcatToJSON as (event: never) => unknown,
  },
};

export const AGENTCAT_API_BASE_URL = "https://api.agentcat.com";
export const LEGACY_API_HOST = "api.mcpcat.io";

/**
 * The vocabulary an exporter speaks: the one asked for, else the legacy one when the URL is on
 * the legacy host, else the current one (whatever else it points to: a proxy, a stand-in).
 */
export function vocabularyFor(asked: ApiVocabulary | undefined, url: URL): Vocabulary {
  if (asked !== undefined) return vocabularyNamed(asked);
  return VOCABULARIES[url.hostname === LEGACY_API_HOST ? "mcpcat" : "agentcat"];
}

/** The vocabulary called `name` (default the current one); throws on any other name. */
export function vocabularyNamed(name: ApiVocabulary | undefined): Vocabulary {
  if (name === undefined) return VOCABULARIES.agentcat;
  if (!Object.hasOwn(VOCABULARIES, name)) {
    throw new Error(`vocabulary must be "agentcat" or "mcpcat", not ${JSON.stringify(name)}`);
  }
  return VOCABULARIES[name];
}
