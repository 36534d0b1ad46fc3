import {
  type Attributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from "@opentelemetry/api";
import { type Peers, spanNameOf } from "./attributes.js";
import type { McpRequest } from "./config.js";
import { type ConnectionState, rememberProtocolVersion } from "./connection.js";
import { MAX_NAME_LENGTH, toJson, toolErrorText, truncate, userIntentOf } from "./content.js";
import { recordErrorText, recordFailure, recordJsonRpcError } from "./error-text.js";
import type { JsonRpcResponse, ResolvedOptions, TrackedRequest } from "./internal-types.js";
import { log } from "./log.js";
import type { McpMetrics, Outcome } from "./metrics.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_OTHER,
  ERROR_TYPE_VALUE_TOOL_ERROR,
} from "./semconv.js";
import { SpanLife } from "./span-life.js";
import { guard } from "./utils.js";

/** Most prompt arguments recorded per request, each as its own attribute. */
export const MAX_PROMPT_VARIABLES = 32;

/**
 * One request's span, from its start to its end (its life, and the async work it waits for, are
 * a {@link SpanLife}'s). The end time is always when the response was sent (SERVER) or received
 * (CLIENT): waiting for identify or redaction never stretches the span, nor delays the response.
 */
export class RequestSpan extends SpanLife implements Outcome, TrackedRequest {
  /** `error.type` and `rpc.response.status_code` as recorded on the span, for the metric. */
  errorType: string | undefined;
  statusCode: string | undefined;
  /** The tracer of the instrumentation that started it: its custom events are recorded with it. */
  tracer: Tracer | undefined;
  private measured: { metrics: McpMetrics; attributes: Attributes; startedAt: number } | undefined;

  constructor(
    span: Span,
    readonly request: McpRequest,
    readonly connection: ConnectionState,
    readonly peers: Peers,
    readonly sessionId: string | undefined,
    options: ResolvedOptions,
    readonly kind: SpanKind.SERVER | SpanKind.CLIENT = SpanKind.SERVER,
  ) {
    super(span, options);
  }

  /**
   * Records this request's duration in `metrics` when the span ends, with the allowed subset of
   * `attributes` (the span's start attributes, shared, not copied). Only when metrics are on.
   */
  measureWith(metrics: McpMetrics, attributes: Attributes): void {
    this.measured = { metrics, attributes, startedAt: performance.now() };
  }

  /** `error.type`, on the span and for the operation metric. */
  setErrorType(errorType: string): void {
    this.errorType = errorType;
    this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
  }

  /** `rpc.response.status_code`, on the span and for the operation metric. */
  setStatusCode(code: number): void {
    this.statusCode = String(code);
    this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, this.statusCode);
  }

  /**
   * Records a string made from request, result, error or identity data: redacted, then cut to
   * `max` (default `maxContentLength`); never the unredacted text.
   */
  capture(key: string, text: string, max = this.options.maxContentLength): void {
    this.prepare(key, text, max, (value) => {
      if (value !== undefined) this.span.setAttribute(key, value);
    });
  }

  /** With `redact` set: the tool or prompt name, redacted, into the span's name and attribute. */
  captureTarget(target: string | undefined): void {
    if (target === undefined || !this.options.config.redact) return;
    const { method } = this.request;
    this.prepare("tool or prompt name", target, MAX_NAME_LENGTH, (value) => {
      if (value === undefined) return;
      this.span.updateName(spanNameOf(method, value));
      const key = method === "tools/call" ? ATTR_GEN_AI_TOOL_NAME : ATTR_GEN_AI_PROMPT_NAME;
      this.span.setAttribute(key, value);
      // The operation metric copies its dimensions from the start attributes, which lacked it.
      if (this.measured) this.measured.attributes[key] = value;
    });
  }

  /** What a tools/call request carries: the caller's intent, and (with content capture) its arguments. */
  captureToolCall(): void {
    const args = this.request.params?.arguments;
    const intent = userIntentOf(args);
    if (intent !== undefined) this.capture(ATTR_MCPCAT_USER_INTENT, intent);
    if (this.options.captureContent) this.captureJson(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, args);
  }

  /**
   * A prompts/get request's arguments (only with content capture), one
   * `gen_ai.prompt.variable.<name>` each, as the conventions name them; at most
   * {@link MAX_PROMPT_VARIABLES}, names cut to 128 characters: both come from the caller.
   */
  capturePromptArguments(): void {
    const args = this.request.params?.arguments;
    if (!this.options.captureContent || !args || typeof args !== "object") return;
    let count = 0;
    for (const [name, value] of Object.entries(args)) {
      if (++count > MAX_PROMPT_VARIABLES) break;
      const key = ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX + truncate(name, 128);
      if (typeof value === "string") this.capture(key, value);
      else this.captureJson(key, value);
    }
  }

  captureJson(key: string, value: unknown): void {
    const json = toJson(value);
    if (json !== undefined) this.capture(key, json);
  }

  /** Records what was sent back (SERVER) or received (CLIENT), then ends the span (once pending work settles). */
  endWithResponse(response: JsonRpcResponse): void {
    if (this.ended) return;
    const { span, request } = this;
    try {
      if (response.error) {
        recordJsonRpcError(this, response.error);
      } else {
        this.recordResult(response.result as Record<string, unknown> | undefined);
      }
      const hook = this.kind === SpanKind.SERVER ? this.options.config.responseHook : undefined;
      if (hook) {
        const error = response.error as { code: number; message: string } | undefined;
        guard("responseHook", () => hook(span, { request, result: response.result, error }));
      }
    } catch (error) {
      log.error("failed to record the response", error);
    }
    this.endWhenSettled();
  }

  /** Ends the span now: no response will come; `reason` says why (an error of `errorType`). */
  endUnanswered(reason: string, errorType: string = ERROR_TYPE_VALUE_OTHER): void {
    if (this.ended) return;
    this.setErrorType(errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    this.endAt(undefined);
  }

  /** The duration, measured once the span has ended. */
  protected override onEnded(endTime: number | undefined): void {
    const measured = this.measured;
    if (measured === undefined) return;
    const seconds = ((endTime ?? performance.now()) - measured.startedAt) / 1000;
    measured.metrics.recordOperation(this.kind, measured.attributes, this, seconds);
  }

  private recordResult(result: Record<string, unknown> | undefined): void {
    const { span, request } = this;
    if (request.method === "tools/call") {
      if (result?.isError === true) {
        this.setErrorType(ERROR_TYPE_VALUE_TOOL_ERROR);
        recordErrorText(this, toolErrorText(result));
      }
      if (this.options.captureContent) this.captureJson(ATTR_GEN_AI_TOOL_CALL_RESULT, result);
    } else if (request.method === "initialize" && typeof result?.protocolVersion === "string") {
      span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, result.protocolVersion);
      rememberProtocolVersion(this.connection, result.protocolVersion);
    }
  }

  /**
   * A CLIENT request that failed: the error the SDK rejected with (its stack included).
   * `answered` says whether a response carried it (see {@link recordFailure}).
   */
  endWithError(error: unknown, answered = true): void {
    if (this.ended) return;
    try {
      recordFailure(this, error, answered);
    } catch (recordError) {
      log.error("failed to record the error", recordError);
    }
    this.endWhenSettled();
  }
}
