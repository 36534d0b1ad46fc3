/*
 * The request body of one event: what the generated model's `PublishEventRequestToJSON` makes
 * (`agentcat-api`'s, or `mcpcat-api`'s for the legacy vocabulary), keeping only the snake_case
 * keys the API reads (the generated client repeats every field in camelCase too, which would
 * double the size of captured content on the wire). It runs once per event, so the key mapping
 * is learnt once per vocabulary from the generated serializer instead of being run each time.
 */
import type { MCPCatEvent } from "./event.js";
import { VOCABULARIES, type Vocabulary } from "./vocabulary.js";

/** One key on the wire: the event field it comes from, and whether it is a Date sent as ISO. */
interface WireField {
  wire: string;
  field: keyof MCPCatEvent;
  iso: boolean;
}

/** The body of `POST /v1/public/events/` for one event, as a JSON string. */
export function toRequestBody(
  event: MCPCatEvent,
  vocabulary: Vocabulary = VOCABULARIES.agentcat,
): string {
  const fields = wireFieldsOf(vocabulary);
  if (fields === undefined) return toRequestBodyGeneric(event, vocabulary);
  const body: Record<string, unknown> = {};
  for (const { wire, field, iso } of fields) {
    const value = event[field];
    if (value === undefined) continue;
    if (!iso) body[wire] = value;
    else if (value !== null) body[wire] = (value as Date).toISOString();
  }
  return JSON.stringify(body);
}

/** The same through the generated serializer: the reference, and the fallback. */
export function toRequestBodyGeneric(
  event: MCPCatEvent,
  vocabulary: Vocabulary = VOCABULARIES.agentcat,
): string {
  const json = vocabulary.toJSON(event as never) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const key of snakeKeysOf(vocabulary)) {
    const value = json[key];
    if (value !== undefined) body[key] = value;
  }
  return JSON.stringify(body);
}

const SNAKE_KEYS = new Map<Vocabulary, string[]>();
const WIRE_FIELDS = new Map<Vocabulary, WireField[] | undefined>();

/** Every key the generated serializer writes for the API (it writes them all, even undefined). */
function snakeKeysOf(vocabulary: Vocabulary): string[] {
  let keys = SNAKE_KEYS.get(vocabulary);
  if (keys === undefined) {
    keys = Object.keys(vocabulary.toJSON({} as never) as object);
    SNAKE_KEYS.set(vocabulary, keys);
  }
  return keys;
}

/**
 * Which field each wire key is read from: `undefined` (use the generated serializer) if a key
 * is made any other way than a plain copy or a Date's `toISOString()`, as a later model might.
 */
function wireFieldsOf(vocabulary: Vocabulary): readonly WireField[] | undefined {
  if (!WIRE_FIELDS.has(vocabulary)) WIRE_FIELDS.set(vocabulary, learnWireFields(vocabulary));
  return WIRE_FIELDS.get(vocabulary);
}

const PROBE = Symbol("field");

/** Serializes a probe whose every field names itself, and reads back where each went. */
function learnWireFields(vocabulary: Vocabulary): WireField[] | undefined {
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
    const json = vocabulary.toJSON(probe as never) as Record<string, unknown>;
    const fields: WireField[] = [];
    for (const wire of snakeKeysOf(vocabulary)) {
      const marker = json[wire] as { [PROBE]?: unknown; iso?: unknown } | undefined;
      if (typeof marker?.[PROBE] !== "string") return undefined;
      fields.push({ wire, field: marker[PROBE] as keyof MCPCatEvent, iso: marker.iso === true });
    }
    return fields;
  } catch {
    return undefined;
  }
}
