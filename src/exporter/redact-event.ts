/*
 * `redactEvent`: the user's hook over a whole event before it is sent. It gets a copy, and
 * returns the event (changed or not) or `null` to drop it. The fields that make the event what
 * it is (`id`, `sessionId`, `projectId`, `eventType`, `timestamp`) are put back whatever it
 * returns; a hook that throws, rejects, returns something else or does not settle within the
 * deadline drops the event. What it returns is bounded again: it is user code adding text.
 */
import { DEFAULT_MAX_CONTENT_LENGTH, MAX_SHORT_TEXT_LENGTH, truncate } from "../content.js";
import { exporterLog } from "../log.js";
import type { MCPCatEvent } from "./event.js";

/** The hook: sync or async; `null` (or `undefined`) drops the event. */
export type RedactEvent = (
  event: MCPCatEvent,
) => MCPCatEvent | null | undefined | PromiseLike<MCPCatEvent | null | undefined>;

/** What became of one event: sent as `event`, dropped by the hook, or dropped as it failed. */
export type RedactOutcome =
  | { readonly event: MCPCatEvent }
  | { readonly dropped: "by-hook" }
  | { readonly dropped: "failed"; readonly reason: string };

const PROTECTED = ["id", "sessionId", "projectId", "eventType", "timestamp"] as const;
/** Fields that name things: bounded like names. Any other string: like captured content. */
const SHORT_FIELDS = new Set([
  "resourceName",
  "serverName",
  "serverVersion",
  "clientName",
  "clientVersion",
  "identifyActorGivenId",
  "identifyActorName",
  "sdkLanguage",
  "agentcatVersion",
  "mcpcatVersion",
]);
/** JSON fields (parameters, response, ...) longer than this are cut and flagged. */
const MAX_OBJECT_JSON_LENGTH = 4 * DEFAULT_MAX_CONTENT_LENGTH;

/**
 * Runs `hook` over a copy of `event`. A sync answer comes back at once; an async one as a
 * promise that never rejects and settles within `timeoutMillis`.
 */
export function runRedactEvent(
  hook: RedactEvent,
  event: MCPCatEvent,
  timeoutMillis: number,
): RedactOutcome | Promise<RedactOutcome> {
  let answer: ReturnType<RedactEvent>;
  try {
    answer = hook(structuredClone(event));
  } catch (error) {
    return failed("threw", error);
  }
  if (typeof (answer as PromiseLike<unknown> | null)?.then !== "function") {
    return outcomeOf(event, answer as MCPCatEvent | null | undefined);
  }
  return new Promise<RedactOutcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ dropped: "failed", reason: `did not settle within ${timeoutMillis} ms` }),
      timeoutMillis,
    );
    timer.unref();
    Promise.resolve(answer).then(
      (value) => {
        clearTimeout(timer);
        resolve(outcomeOf(event, value));
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve(failed("rejected", error));
      },
    );
  });
}

function failed(how: string, error: unknown): RedactOutcome {
  // The reason is user data too: `String()` of a null-prototype object, or a throwing
  // `message` getter, throws; that must not escape (an async one would be an unhandled rejection).
  let text: string;
  try {
    text = error instanceof Error ? String(error.message) : String(error);
  } catch {
    text = "a value that cannot be shown";
  }
  return { dropped: "failed", reason: `${how}: ${truncate(text, MAX_SHORT_TEXT_LENGTH)}` };
}

/** The event the hook returned, with the protected fields put back and its text bounded. */
function outcomeOf(original: MCPCatEvent, answer: MCPCatEvent | null | undefined): RedactOutcome {
  if (answer === null || answer === undefined) return { dropped: "by-hook" };
  if (typeof answer !== "object" || Array.isArray(answer)) {
    return { dropped: "failed", reason: `returned ${typeof answer}, not an event or null` };
  }
  try {
    const event: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(answer)) {
      // An own `__proto__` key (JSON.parse makes one) is left out: assigned, it would
      // give the event a prototype whose fields are read, unbounded, when the body is made.
      if (key !== "__proto__") event[key] = bounded(key, value);
    }
    for (const key of PROTECTED) event[key] = original[key];
    return { event: event as MCPCatEvent };
  } catch (error) {
    return failed("returned an event that cannot be read", error);
  }
}

function bounded(key: string, value: unknown): unknown {
  if (typeof value === "string") {
    return truncate(
      value,
      SHORT_FIELDS.has(key) ? MAX_SHORT_TEXT_LENGTH : DEFAULT_MAX_CONTENT_LENGTH,
    );
  }
  if (value === null || typeof value !== "object") return value;
  // A copy of what was measured: a getter or `toJSON` in the hook's object runs once, here,
  // and cannot answer differently when the body is serialised.
  if (value instanceof Date) return new Date(Date.prototype.getTime.call(value));
  const json = JSON.stringify(value);
  if (json === undefined) return undefined;
  if (json.length <= MAX_OBJECT_JSON_LENGTH) return JSON.parse(json);
  return { text: truncate(json, MAX_OBJECT_JSON_LENGTH), truncated: true };
}

/** The exporter's `redactEvent` stage: runs the hook, counts what it drops and what waits. */
export class EventRedaction {
  /** Events waiting for an async hook: still pending for `forceFlush` and `shutdown`. */
  pending = 0;

  constructor(
    private readonly hook: RedactEvent,
    private readonly timeoutMillis: number,
    /** The exporter's counters, where drops are counted. */
    private readonly stats: { droppedByRedactEvent: number; droppedRedactEventFailed: number },
  ) {}

  /** Hands `send` the event to send (now, or once the hook settles), then calls `settled`. */
  run(event: MCPCatEvent, send: (event: MCPCatEvent) => void, settled: () => void): void {
    const outcome = runRedactEvent(this.hook, event, this.timeoutMillis);
    if (!(outcome instanceof Promise)) {
      this.apply(outcome, send);
      return;
    }
    this.pending++;
    outcome.then((answer) => {
      this.pending--;
      this.apply(answer, send);
      settled();
    });
  }

  private apply(outcome: RedactOutcome, send: (event: MCPCatEvent) => void): void {
    if (!("dropped" in outcome)) {
      try {
        send(outcome.event);
      } catch (error) {
        this.stats.droppedRedactEventFailed++;
        exporterLog.warn("the event redactEvent returned cannot be sent; dropped", error);
      }
    } else if (outcome.dropped === "by-hook") this.stats.droppedByRedactEvent++;
    else {
      this.stats.droppedRedactEventFailed++;
      exporterLog.warn(`redactEvent ${outcome.reason}; the event is dropped`);
    }
  }
}
