/*
 * The fields of a custom event, read from the user's object: each checked, turned into text,
 * and handed to `put` (which redacts and bounds it). What cannot be used is left out, said so.
 */

import type { CustomEventData } from "./config.js";
import {
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  MAX_TAGS,
  toJson,
  truncate,
} from "./content.js";
import { log } from "./log.js";
import { ATTR_MCPCAT_TAG_PREFIX } from "./semconv.js";

/** The longest `duration` taken (a day): a longer one is cut to it. */
const MAX_DURATION_MS = 86_400_000;

/** Records `text` under `key`, redacted and cut to `max`. */
export type Put = (key: string, text: string, max: number) => void;

/** One field of the user's object; a getter that throws is the same as no field (said so). */
export function read(data: CustomEventData, field: keyof CustomEventData): unknown {
  try {
    return data[field];
  } catch (error) {
    log.warn(`publishCustomEvent: ${field} could not be read; left out`, error);
    return undefined;
  }
}

export function putString(
  put: Put,
  data: CustomEventData,
  field: keyof CustomEventData,
  key: string,
  max: number,
) {
  const value = read(data, field);
  if (value === undefined || value === null) return;
  if (typeof value === "string") put(key, value, max);
  else log.warn(`publishCustomEvent: ${field} must be a string, not ${typeof value}; left out`);
}

export function putJson(
  put: Put,
  data: CustomEventData,
  field: keyof CustomEventData,
  key: string,
  max: number,
) {
  const value = read(data, field);
  if (value === undefined || value === null) return;
  const json = toJson(value);
  if (json === undefined) {
    log.warn(
      `publishCustomEvent: ${field} is not JSON (a cycle, a BigInt, a throwing toJSON); left out`,
    );
    return;
  }
  put(key, json, max);
}

export function putTags(put: Put, tags: unknown): void {
  if (tags === undefined || tags === null) return;
  if (typeof tags !== "object" || Array.isArray(tags)) {
    log.warn("publishCustomEvent: tags must be an object of strings; left out");
    return;
  }
  let count = 0;
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== "string") continue;
    if (++count > MAX_TAGS) break;
    put(ATTR_MCPCAT_TAG_PREFIX + truncate(key, 128), value, MAX_SHORT_TEXT_LENGTH);
  }
}

/** `exception.*` of the error, redacted and bounded like any error text. */
export function putError(put: Put, error: unknown): void {
  let message: unknown;
  let type: unknown;
  let stack: unknown;
  try {
    if (typeof error === "string") message = error;
    else if (error && typeof error === "object") {
      const shaped = error as {
        message?: unknown;
        type?: unknown;
        name?: unknown;
        stack?: unknown;
      };
      message = shaped.message;
      type = shaped.type ?? (error instanceof Error ? shaped.name : undefined);
      stack = shaped.stack;
    }
  } catch (readError) {
    log.warn("publishCustomEvent: error could not be read; recorded without its text", readError);
  }
  if (typeof message === "string" && message !== "")
    put("exception.message", message, MAX_ERROR_MESSAGE_LENGTH);
  if (typeof type === "string" && type !== "") put("exception.type", type, MAX_SHORT_TEXT_LENGTH);
  if (typeof stack === "string" && stack !== "")
    put("exception.stacktrace", stack, MAX_ERROR_STACK_LENGTH);
}

export function durationOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    return Math.min(value, MAX_DURATION_MS);
  }
  log.warn("publishCustomEvent: duration must be a non-negative number of milliseconds; left out");
  return undefined;
}
