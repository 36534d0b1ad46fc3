/*
 * The request body of one event: what `mcpcat-api`'s `PublishEventRequestToJSON` makes, keeping
 * only the snake_case keys the API reads (the generated client repeats every field in camelCase
 * too, which would double the size of captured content on the wire). It runs once per event, so
 * the key mapping is learnt once from the generated serializer instead of being run each time.
 */
import { PublishEventRequestToJSON } from "mcpcat-api";
import type { MCPCatEvent } from "./types.js";

/** One key on the wire: the event field it comes from, and whether it is a Date sent as ISO. */
interface WireField {
  wire: string;
  field: keyof MCPCatEvent;
  iso: boolean;
}

/** The body of `POST /v1/public/events/` for one event, as a JSON string. */
export function toRequestBody(event: MCPCatEvent): string {
  if (WIRE_FIELDS === undefined) return toRequestBodyGeneric(event);
  const body: Record<string, unknown> = {};
  for (const { wire, field, iso } of WIRE_FIELDS) {
    const value = event[field];
    if (value === undefined) continue;
    if (!iso) body[wire] = value;
    else if (value !== null) body[wire] = (value as Date).toISOString();
  }
  return JSON.stringify(body);
}

/** The same through the generated serializer: the reference, and the fallback. */
export function toRequestBodyGeneric(event: MCPCatEvent): string {
  const json = PublishEventRequestToJSON(event) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const key of SNAKE_KEYS) {
    const value = json[key];
    if (value !== undefined) body[key] = value;
  }
  return JSON.stringify(body);
}

/** Every key the generated serializer writes for the API (it writes them all, even undefined). */
const SNAKE_KEYS = Object.keys(PublishEventRequestToJSON({} as MCPCatEvent));

const PROBE = Symbol("field");

/**
 * Which field each wire key is read from, found by serializing a probe whose every field names
 * itself. `undefined` (use the generated serializer) if a key is made any other way than a
 * plain copy or a Date's `toISOString()`, as a later `mcpcat-api` might.
 */
const WIRE_FIELDS: readonly WireField[] | undefined = learnWireFields();

function learnWireFields(): WireField[] | undefined {
  const mark = (field: string, iso: boolean) => ({ [PROBE]: field, iso });
  const probe = new Proxy(
    {},
    {
      get: (_target, field) =>
        typeof field === "string"
          ? { ...mark(field, false), toISOString: () => mark(field, true) }
          : undefined,
    },
  );
  try {
    const json = PublishEventRequestToJSON(probe as MCPCatEvent) as Record<string, unknown>;
    const fields: WireField[] = [];
    for (const wire of SNAKE_KEYS) {
      const marker = json[wire] as { [PROBE]?: unknown; iso?: unknown } | undefined;
      if (typeof marker?.[PROBE] !== "string") return undefined;
      fields.push({ wire, field: marker[PROBE] as keyof MCPCatEvent, iso: marker.iso === true });
    }
    return fields;
  } catch {
    return undefined;
  }
}
