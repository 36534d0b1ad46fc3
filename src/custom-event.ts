/*
 * `publishCustomEvent`: an event of the user's own, recorded as an INTERNAL span named
 * `mcpcat:custom` that `MCPCatExporter` sends as a custom event. Inside a request's handler it
 * belongs to that request (a child of its span, with its caller's identity and session); outside
 * any request it stands alone. Every string passes `redact` and the bounds; bad input is
 * recorded as far as it is usable, never thrown.
 */
import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { CustomEventData } from "./config.js";
import { MAX_NAME_LENGTH, prepareCaptured } from "./content.js";
import {
  durationOf,
  type Put,
  putError,
  putJson,
  putString,
  putTags,
  read,
} from "./custom-event-fields.js";
import type { ResolvedOptions } from "./internal-types.js";
import { log } from "./log.js";
import { requestSpanIn } from "./request-context.js";
import type { RequestSpan } from "./request-span.js";
import { resolveOptions } from "./resolve-options.js";
import {
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_MCPCAT_CUSTOM_PARAMETERS,
  ATTR_MCPCAT_CUSTOM_RESOURCE_NAME,
  ATTR_MCPCAT_CUSTOM_RESPONSE,
  ATTR_MCPCAT_IDENTIFY_DATA,
  ATTR_MCPCAT_PROPERTIES,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_USER_ID,
  ATTR_USER_NAME,
  MCPCAT_CUSTOM_SPAN_NAME,
} from "./semconv.js";
import { startSpan } from "./span-life.js";
import { guardAsync } from "./utils.js";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version.js";

/** Attributes of the request's span that its custom events carry: who, in which session. */
const FROM_REQUEST = [
  ATTR_MCP_SESSION_ID,
  ATTR_MCPCAT_SERVER_NAME,
  ATTR_MCPCAT_SERVER_VERSION,
  ATTR_MCPCAT_CLIENT_NAME,
  ATTR_MCPCAT_CLIENT_VERSION,
  ATTR_USER_ID,
  ATTR_USER_NAME,
  ATTR_MCPCAT_IDENTIFY_DATA,
] as const;

/** What a custom event is recorded with: an instrumentation's tracer and options (`redact`…). */
export interface CustomEventSource {
  tracer(): Tracer;
  options(): ResolvedOptions;
}

// The enabled instrumentations of this copy, in the order they were enabled; `anyMade`: whether
// one ever was (then, with none enabled, nothing is recorded: disable() stops custom events too).
const enabled: CustomEventSource[] = [];
let anyMade = false;

/**
 * An instrumentation was enabled (`on`) or disabled: outside a request, the last one enabled
 * records. @internal
 */
export function enableCustomEvents(source: CustomEventSource, on: boolean): void {
  anyMade = true;
  const at = enabled.indexOf(source);
  if (at !== -1) enabled.splice(at, 1);
  if (on) enabled.push(source);
}

/**
 * Inside a request: the tracer and options of the instrumentation that traced it (whichever
 * copy of this package, and whatever was made since). Outside: the one enabled last; defaults
 * when none was ever made here (another copy, such as `register`'s bundle, may have made it);
 * `undefined` when every one made here is disabled.
 */
function sourceOf(request: RequestSpan | undefined): CustomEventSource | undefined {
  const { tracer, options } = (request ?? {}) as Partial<RequestSpan>;
  if (tracer && options) return { tracer: () => tracer, options: () => options };
  const last = enabled.at(-1);
  if (last || anyMade) return last;
  return {
    tracer: () => trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
    options: () => resolveOptions({}),
  };
}

/**
 * Records a custom event: an INTERNAL span `mcpcat:custom` that `MCPCatExporter` sends as an
 * `agentcat:custom` event (`mcpcat:custom` to the legacy API). Called inside a request's handler,
 * the event belongs to that request: same trace, same caller identity, same session (none when
 * stateless) and is recorded with the options of the instrumentation that traced it. Called
 * anywhere else, it stands alone (nothing is recorded while every instrumentation is disabled).
 * Every string passes the instrumentation's `redact` and bounds. Never throws: input that cannot
 * be used is left out, said so through diag.
 *
 * @example
 * publishCustomEvent({ resourceName: "checkout", message: "user paid", properties: { cents: 1299 } });
 */
export function publishCustomEvent(data: CustomEventData): void {
  try {
    record(data);
  } catch (error) {
    log.warn("publishCustomEvent: the event could not be recorded", error);
  }
}

function record(data: CustomEventData): void {
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    log.warn("publishCustomEvent expects an object of event fields; nothing recorded");
    return;
  }
  const parent = context.active();
  const request = requestSpanIn(parent);
  const source = sourceOf(request);
  if (!source) {
    log.debug("publishCustomEvent: every McpInstrumentation is disabled; nothing recorded");
    return;
  }
  const options = source.options();
  const tracer = source.tracer();
  const endTime = Date.now();
  const duration = durationOf(read(data, "duration"));
  const attributes: Attributes = {};
  const exception: Attributes = {};
  const waits: Promise<void>[] = [];
  const redact = options.config.redact;
  // Redacted, then bounded (lowered to maxContentLength), into `target` once it settles.
  const collect =
    (target: Attributes): Put =>
    (key, text, max) => {
      const later = guardAsync(
        "redact",
        `${key} not recorded`,
        () => prepareCaptured(text, redact, Math.min(max, options.maxContentLength)),
        (value) => {
          if (typeof value === "string") target[key] = value;
        },
      );
      if (later) waits.push(later);
    };
  const put = collect(attributes);
  putString(put, data, "resourceName", ATTR_MCPCAT_CUSTOM_RESOURCE_NAME, MAX_NAME_LENGTH);
  putString(put, data, "message", ATTR_MCPCAT_USER_INTENT, options.maxContentLength);
  putJson(put, data, "parameters", ATTR_MCPCAT_CUSTOM_PARAMETERS, options.maxContentLength);
  putJson(put, data, "response", ATTR_MCPCAT_CUSTOM_RESPONSE, options.maxContentLength);
  putJson(put, data, "properties", ATTR_MCPCAT_PROPERTIES, options.maxContentLength);
  putTags(put, read(data, "tags"));
  const error = read(data, "error");
  const failed = read(data, "isError") === true || (error !== undefined && error !== null);
  if (failed) putError(collect(exception), error);
  // Started once the fields are read: input that throws leaves no span open behind it.
  const span = startSpan(
    tracer,
    MCPCAT_CUSTOM_SPAN_NAME,
    SpanKind.INTERNAL,
    {},
    parent,
    undefined,
    endTime - (duration ?? 0),
  );
  Promise.all([waitAtMost(Promise.all(waits), options.asyncWorkTimeoutMs), request?.settled()])
    .then(() => finish(span, attributes, exception, failed, request, endTime))
    .catch((reason) => log.warn("publishCustomEvent: the event could not be recorded", reason));
}

/** Sets what settled on the span (and the request's caller and session), then ends it. */
function finish(
  span: Span,
  attributes: Attributes,
  exception: Attributes,
  failed: boolean,
  request: RequestSpan | undefined,
  endTime: number,
): void {
  try {
    const fromRequest = (request?.span as { attributes?: Attributes } | undefined)?.attributes;
    if (fromRequest) {
      for (const key of FROM_REQUEST) {
        const value = fromRequest[key];
        if (value !== undefined) span.setAttribute(key, value);
      }
    }
    span.setAttributes(attributes);
    if (failed) {
      const message = exception["exception.message"];
      if (message !== undefined) span.addEvent("exception", exception, endTime);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: typeof message === "string" ? message : "Error",
      });
    }
  } finally {
    span.end(endTime);
  }
}

/** `work`, or nothing once `ms` have passed (said so): a custom event never waits longer. */
function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn("publishCustomEvent: redact did not settle in time; those fields are left out");
      resolve();
    }, ms);
    timer.unref?.();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
