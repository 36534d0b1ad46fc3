import { type Attributes, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  collapseMcpErrorPrefix,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  MAX_NAME_LENGTH,
  truncate,
} from "./content.js";
import type { JsonRpcResponse } from "./internal-types.js";
import { CLIENT_FAULT_CODES } from "./jsonrpc-errors.js";
import { ERROR_TYPE_VALUE_OTHER } from "./semconv.js";

/** What error recording needs of a request span (a `RequestSpan`). */
export interface FailingRequest {
  readonly span: Span;
  readonly kind: SpanKind;
  setErrorType(errorType: string): void;
  setStatusCode(code: number): void;
  /** Redacts and bounds `text`, then hands it to `apply` (see `RequestSpan.prepare`). */
  prepare(
    label: string,
    text: string,
    max: number,
    apply: (value: string | undefined) => void,
  ): void;
}

/**
 * Marks the span as failed (ERROR status, unless `asError` is false) and records the error's
 * text, redacted and bounded, as the status message and (with `exceptionType`) an exception
 * event. The status is set at once; its message follows when an async `redact` settles, and a
 * failing `redact` leaves the status without one (never with the unredacted text).
 */
export function recordErrorText(
  tracked: FailingRequest,
  message: string,
  options: { exceptionType?: string; stack?: string; asError?: boolean } = {},
): void {
  const { span } = tracked;
  const asError = options.asError !== false;
  if (asError) span.setStatus({ code: SpanStatusCode.ERROR });
  const time = performance.now();
  let text: string | undefined;
  let stack: string | undefined;
  let pending = options.stack === undefined ? 1 : 2;
  const done = () => {
    if (--pending > 0) return;
    if (asError && text !== undefined)
      span.setStatus({ code: SpanStatusCode.ERROR, message: text });
    if (options.exceptionType === undefined) return;
    const attributes: Attributes = {
      "exception.type": truncate(options.exceptionType, MAX_NAME_LENGTH),
    };
    if (text !== undefined) attributes["exception.message"] = text;
    if (stack !== undefined) attributes["exception.stacktrace"] = stack;
    span.addEvent("exception", attributes, time);
  };
  const collapsed = collapseMcpErrorPrefix(message);
  tracked.prepare("error message", collapsed, MAX_ERROR_MESSAGE_LENGTH, (value) => {
    text = value;
    done();
  });
  if (options.stack !== undefined) {
    tracked.prepare("error stack", options.stack, MAX_ERROR_STACK_LENGTH, (value) => {
      stack = value;
      done();
    });
  }
}

/** A JSON-RPC error response, sent (SERVER) or received (CLIENT). */
export function recordJsonRpcError(
  tracked: FailingRequest,
  error: NonNullable<JsonRpcResponse["error"]>,
): void {
  const code = typeof error.code === "number" ? error.code : undefined;
  const message = typeof error.message === "string" ? error.message : "JSON-RPC error";
  if (code !== undefined) tracked.setStatusCode(code);
  // The client's own mistakes are not errors of the server (to the client they are), but
  // the server's own words about them are kept, in the exception event, for MCPCat.
  const clientFault =
    code !== undefined && tracked.kind === SpanKind.SERVER && CLIENT_FAULT_CODES.has(code);
  if (!clientFault)
    tracked.setErrorType(code !== undefined ? String(code) : ERROR_TYPE_VALUE_OTHER);
  recordErrorText(tracked, message, { exceptionType: "McpError", asError: !clientFault });
}

/**
 * A CLIENT request that failed: the error the SDK rejected with, its stack included.
 * `answered` says whether a response carried it: a local timeout, an abort or a closed
 * connection has a JSON-RPC code but no response, so no `rpc.response.status_code`.
 */
export function recordFailure(tracked: FailingRequest, error: unknown, answered: boolean): void {
  const code = jsonRpcCodeOf(error);
  const isError = error instanceof Error;
  const message = isError ? error.message : String(error);
  if (typeof code === "number" && isError && error.name !== "AbortError") {
    if (answered) tracked.setStatusCode(code);
    tracked.setErrorType(String(code));
  } else {
    tracked.setErrorType(ERROR_TYPE_VALUE_OTHER);
  }
  const stack = isError && typeof error.stack === "string" ? error.stack : undefined;
  recordErrorText(tracked, message, { exceptionType: isError ? error.name : "Error", stack });
}

/**
 * The JSON-RPC error code a failed request was answered with: the error's own numeric `code`,
 * or, for SDK v2's HTTP errors (a modern-era error response comes back as an HTTP status, with
 * a string `code`), the code in the JSON-RPC body it carries as `data.text`.
 */
function jsonRpcCodeOf(error: unknown): number | undefined {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { text?: unknown } };
  if (typeof code === "number") return code;
  const text = data?.text;
  if (typeof text !== "string" || text.length > 65_536) return undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } } | null;
    return typeof body?.error?.code === "number" ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}
