import {
  type Attributes,
  type DiagLogger,
  type Span,
  SpanKind,
  SpanStatusCode,
} from "@opentelemetry/api";
import { safeExecuteInTheMiddle } from "@opentelemetry/instrumentation";
import { CLIENT_FAULT_CODES, type Peers, spanNameOf } from "./attributes.js";
import {
  collapseMcpErrorPrefix,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_ERROR_STACK_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SHORT_TEXT_LENGTH,
  prepareCaptured,
  toJson,
  toolErrorText,
  truncate,
  userIntentOf,
} from "./content.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_OTHER,
  ERROR_TYPE_VALUE_TOOL_ERROR,
} from "./semconv.js";
import type { ConnectionState } from "./session.js";
import type { McpInstrumentationConfig, McpRequest } from "./types.js";

/** The options of the instrumentation, resolved once from config and environment. */
export interface ResolvedOptions {
  readonly config: McpInstrumentationConfig;
  /** The option, else `MCPCAT_STATELESS`; `undefined` leaves it to auto-detection. */
  readonly stateless: boolean | undefined;
  readonly captureContent: boolean;
  readonly maxContentLength: number;
  readonly identifyTimeoutMs: number;
  /** Key of the `mcp.session.id` hash; `undefined` when raw ids are exported. */
  readonly sessionIdHashKey: string | undefined;
}

/**
 * `mcp.resource.uri` is given at span start when no `redact` is set (bounded in place); with
 * one, it is taken out and returned, to be recorded through `capture` once the span exists.
 */
export function takeResourceUri(
  attributes: Attributes,
  options: ResolvedOptions,
): string | undefined {
  const uri = attributes[ATTR_MCP_RESOURCE_URI];
  if (typeof uri !== "string") return undefined;
  if (options.config.redact) {
    delete attributes[ATTR_MCP_RESOURCE_URI];
    return uri;
  }
  const max = Math.min(MAX_SHORT_TEXT_LENGTH, options.maxContentLength);
  if (uri.length > max) attributes[ATTR_MCP_RESOURCE_URI] = truncate(uri, max);
  return undefined;
}

/**
 * The tool or prompt name to give the span at its start: bounded; none when `redact` is set,
 * for then the name is a request's data like any other, recorded by `captureTarget` once
 * redacted (the span is renamed then, before it ends).
 */
export function startTarget(
  target: string | undefined,
  options: ResolvedOptions,
): string | undefined {
  if (target === undefined || options.config.redact) return undefined;
  return truncate(target, MAX_NAME_LENGTH);
}

export interface JsonRpcResponse {
  id: string | number;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/**
 * Runs user code (hooks, callbacks) so that its failure is reported, never thrown: a sync throw
 * is caught, and an async one (an `async` hook where `void` was typed) is caught when it rejects.
 * A promise is not a result: the caller gets `undefined` for it.
 */
export function guard<T>(diag: DiagLogger, name: string, run: () => T): T | undefined {
  const result = safeExecuteInTheMiddle(
    run,
    (error) => {
      if (error) diag.warn(`${name} threw`, error);
    },
    true,
  );
  if (typeof (result as PromiseLike<unknown> | undefined)?.then !== "function") return result;
  Promise.resolve(result).then(undefined, (error) => diag.warn(`${name} rejected`, error));
  return undefined;
}

/**
 * One request's span, from its start to its end, and the async work (identify, redaction) that
 * must settle before it ends. The end time is always when the response was sent (SERVER) or
 * received (CLIENT): waiting for that work never stretches the span, nor delays the response.
 */
export class RequestSpan {
  ended = false;
  private waits: Promise<void>[] | undefined;
  private waitLabels: string[] = [];
  private deadline = 0;

  constructor(
    readonly span: Span,
    readonly request: McpRequest,
    readonly connection: ConnectionState,
    readonly peers: Peers,
    readonly sessionId: string | undefined,
    private readonly options: ResolvedOptions,
    private readonly diag: DiagLogger,
    readonly kind: SpanKind.SERVER | SpanKind.CLIENT = SpanKind.SERVER,
  ) {}

  /**
   * Records a string made from request, result, error or identity data: redacted, then cut to
   * `max` (default `maxContentLength`); never the unredacted text.
   */
  capture(key: string, text: string, max = this.options.maxContentLength): void {
    this.prepare(key, text, max, (value) => {
      if (value !== undefined) this.span.setAttribute(key, value);
    });
  }

  /**
   * Redacts and bounds `text`, then hands it to `apply` (now, or once an async `redact` settles,
   * before the span ends). A `redact` that throws, rejects or returns a non-string drops the
   * text: `apply` gets `undefined`, never the original.
   */
  prepare(label: string, text: string, max: number, apply: (value: string | undefined) => void) {
    let prepared: string | Promise<string>;
    try {
      const bound = Math.min(max, this.options.maxContentLength);
      prepared = prepareCaptured(text, this.options.config.redact, bound);
    } catch (error) {
      this.diag.warn(`redact threw; ${label} not recorded`, error);
      apply(undefined);
      return;
    }
    if (typeof prepared === "string") {
      apply(prepared);
      return;
    }
    const applied = prepared.then(
      (value) => {
        if (!this.ended) apply(value);
      },
      (error) => {
        this.diag.warn(`redact failed; ${label} not recorded`, error);
        if (!this.ended) apply(undefined);
      },
    );
    this.waitFor("redact", applied);
  }

  /**
   * Marks the span as failed (ERROR status, unless `asError` is false) and records the error's
   * text, redacted and bounded, as the status message and (with `exceptionType`) an exception
   * event. The status is set at once; its message follows when an async `redact` settles.
   */
  recordError(
    message: string,
    options: { exceptionType?: string; stack?: string; asError?: boolean } = {},
  ): void {
    const { span } = this;
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
      const attributes: Attributes = { "exception.type": options.exceptionType };
      if (text !== undefined) attributes["exception.message"] = text;
      if (stack !== undefined) attributes["exception.stacktrace"] = stack;
      span.addEvent("exception", attributes, time);
    };
    this.prepare(
      "error message",
      collapseMcpErrorPrefix(message),
      MAX_ERROR_MESSAGE_LENGTH,
      (value) => {
        text = value;
        done();
      },
    );
    if (options.stack !== undefined) {
      this.prepare("error stack", options.stack, MAX_ERROR_STACK_LENGTH, (value) => {
        stack = value;
        done();
      });
    }
  }

  get maxContentLength(): number {
    return this.options.maxContentLength;
  }

  /** With `redact` set: the tool or prompt name, redacted, into the span's name and attribute. */
  captureTarget(target: string | undefined): void {
    if (target === undefined || !this.options.config.redact) return;
    const { method } = this.request;
    this.prepare("tool or prompt name", target, MAX_NAME_LENGTH, (value) => {
      if (value === undefined) return;
      this.span.updateName(spanNameOf(method, value));
      this.span.setAttribute(
        method === "tools/call" ? ATTR_GEN_AI_TOOL_NAME : ATTR_GEN_AI_PROMPT_NAME,
        value,
      );
    });
  }

  /** What a tools/call request carries: the caller's intent, and (with content capture) its arguments. */
  captureToolCall(): void {
    const args = this.request.params?.arguments;
    const intent = userIntentOf(args);
    if (intent !== undefined) this.capture(ATTR_MCPCAT_USER_INTENT, intent);
    if (this.options.captureContent) this.captureJson(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, args);
  }

  captureJson(key: string, value: unknown): void {
    const json = toJson(value);
    if (json !== undefined) this.capture(key, json);
  }

  /** Holds the span open (up to `identifyTimeoutMs` from now) until `work` settles. */
  waitFor(label: string, work: Promise<void>): void {
    if (!this.waits) {
      this.waits = [];
      this.deadline = performance.now() + this.options.identifyTimeoutMs;
    }
    this.waits.push(work);
    this.waitLabels.push(label);
  }

  /** Records what was sent back, then ends the span (once pending work settles). */
  finish(response: JsonRpcResponse): void {
    if (this.ended) return;
    const { span, request } = this;
    try {
      if (response.error) {
        this.recordJsonRpcError(response.error);
      } else {
        this.recordResult(response.result as Record<string, unknown> | undefined);
      }
      const hook = this.kind === SpanKind.SERVER ? this.options.config.responseHook : undefined;
      if (hook) {
        const error = response.error as { code: number; message: string } | undefined;
        guard(this.diag, "responseHook", () =>
          hook(span, { request, result: response.result, error }),
        );
      }
    } catch (error) {
      this.diag.error("failed to record the response", error);
    }
    this.endWhenSettled();
  }

  /** Ends the span now. `unanswered` says why a request got no response (an error of `errorType`). */
  end(unanswered?: string, endTime?: number, errorType: string = ERROR_TYPE_VALUE_OTHER): void {
    if (this.ended) return;
    this.ended = true;
    if (unanswered) {
      this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: unanswered });
    }
    this.span.end(endTime);
  }

  private recordResult(result: Record<string, unknown> | undefined): void {
    const { span, request } = this;
    if (request.method === "tools/call") {
      if (result?.isError === true) {
        span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_TOOL_ERROR);
        this.recordError(toolErrorText(result));
      }
      if (this.options.captureContent) this.captureJson(ATTR_GEN_AI_TOOL_CALL_RESULT, result);
    } else if (request.method === "initialize" && typeof result?.protocolVersion === "string") {
      span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, result.protocolVersion);
      if (!this.connection.stateless) this.connection.protocolVersion = result.protocolVersion;
    }
  }

  private recordJsonRpcError(error: NonNullable<JsonRpcResponse["error"]>): void {
    const code = typeof error.code === "number" ? error.code : undefined;
    const message = typeof error.message === "string" ? error.message : "JSON-RPC error";
    if (code !== undefined) this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(code));
    // The client's own mistakes are not errors of the server (to the client they are), but
    // the server's own words about them are kept, in the exception event, for MCPCat.
    const asError = !(
      code !== undefined &&
      this.kind === SpanKind.SERVER &&
      CLIENT_FAULT_CODES.has(code)
    );
    if (asError) {
      this.span.setAttribute(
        ATTR_ERROR_TYPE,
        code !== undefined ? String(code) : ERROR_TYPE_VALUE_OTHER,
      );
    }
    this.recordError(message, { exceptionType: "McpError", asError });
  }

  /**
   * A CLIENT request that failed: the error the SDK rejected with (its stack included).
   * `answered` says whether a response carried it: a local timeout, an abort or a closed
   * connection has a JSON-RPC code but no response, so no `rpc.response.status_code`.
   */
  fail(error: unknown, answered = true): void {
    if (this.ended) return;
    try {
      const code = (error as { code?: unknown } | undefined)?.code;
      const isError = error instanceof Error;
      const message = isError ? error.message : String(error);
      if (typeof code === "number" && isError && error.name !== "AbortError") {
        if (answered) this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(code));
        this.span.setAttribute(ATTR_ERROR_TYPE, String(code));
      } else {
        this.span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER);
      }
      const stack = isError && typeof error.stack === "string" ? error.stack : undefined;
      this.recordError(message, { exceptionType: isError ? error.name : "Error", stack });
    } catch (recordError) {
      this.diag.error("failed to record the error", recordError);
    }
    this.endWhenSettled();
  }

  /** Ends now, or once async identify/redaction settle, never later than their deadline. */
  private endWhenSettled(): void {
    const waits = this.waits;
    if (!waits) {
      this.end();
      return;
    }
    const endTime = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, this.deadline - endTime));
      timer.unref?.();
    });
    const done = (outcome: unknown) => {
      clearTimeout(timer);
      const labels = this.waitLabels.join(", ");
      if (outcome === "timeout") {
        this.diag.warn(`${labels} did not settle within the timeout; the span ends without it`);
      } else if (!Array.isArray(outcome)) {
        this.diag.warn(`${labels} failed; the span ends without it`, outcome);
      }
      this.end(undefined, endTime);
    };
    // Ends on every outcome: the waits never reject, but a span must not hinge on that.
    Promise.race([Promise.all(waits), timeout]).then(done, done);
  }
}
