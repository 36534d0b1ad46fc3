import { MAX_SHORT_TEXT_LENGTH, MAX_TAGS, truncate } from "./content.js";
import { log } from "./log.js";
import type { RequestSpan } from "./request-span.js";
import { ATTR_MCPCAT_TAG_PREFIX } from "./semconv.js";
import { guard } from "./utils.js";

/**
 * `eventTags` as `mcpcat.tag.<key>` attributes: at most {@link MAX_TAGS}, keys and values
 * bounded, values redacted. Reading the object is user code too (a getter may throw).
 */
export function recordTags(tracked: RequestSpan, tags: object): void {
  guard("reading eventTags' tags", () => {
    let count = 0;
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== "string") continue;
      if (++count > MAX_TAGS) {
        log.warn(`eventTags returned more than ${MAX_TAGS} tags; the rest are dropped`);
        return;
      }
      const name = ATTR_MCPCAT_TAG_PREFIX + truncate(key, MAX_SHORT_TEXT_LENGTH);
      tracked.capture(name, value, MAX_SHORT_TEXT_LENGTH);
    }
  });
}
