import { type Attributes, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type Peers, spanNameOf } from "./attributes.js";
import type { McpRequest } from "./config.js";
import { type ConnectionState, rememberProtocolVersion } from "./connection.js";
import {
  MAX_NAME_LENGTH,
  prepareCaptured,
  toJson,
  toolErrorText,
  truncate,
  userIntentOf,
} from "./content.js";
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
import { guard, guardAsync } from "./utils.js";

/** Most prompt arguments recorded per request, each as its own attribute. */
export const MAX_PROMPT_VARIABLES = 32;

/**
 * One request's span, from its start to its end, and the async work (identify, redaction) that
 * must settle before it ends. The end time is always when the response was sent (SERVER) or
 * received (CLIENT): waiting for that work never stretches the span, nor delays the response.
 */
export class RequestSpan implements Outcome, TrackedRequest {
  ended = false;
  /** `error.type` and `rpc.response.status_code` as recorded on the span, for the metric. */
  errorType: string | undefined;
  statusCode: string | undefined;
  private measured: { metrics: McpMetrics; attributes: Attributes; startedAt: number } | undefined;
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
    readonly kind: SpanKind.SERVER | SpanKind.CLIENT = SpanKind.SERVER,
  ) {}

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

  /**
   * Redacts and bounds `text`, then hands it to `apply` (now, or once an async `redact` settles,
   * before the span ends). A `redact` that throws, rejects or returns a non-string drops the
   * text: `apply` gets `undefined`, never the original.
   */
  prepare(label: string, text: string, max: number, apply: (value: string | undefined) => void) {
    const bound = Math.min(max, this.options.maxContentLength);
    const redact = this.options.config.redact;
    if (!redact) {
      // No user code to guard: the common case costs a truncation and nothing else.
      apply(truncate(text, bound));
      return;
    }
    const later = guardAsync(
      "redact",
      `${label} not recorded`,
      () => prepareCaptured(text, redact, bound),
      (value) => {
        if (!this.ended) apply(value);
      },
    );
    if (later) this.waitFor("redact", later);
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

  /** Holds the span open (up to `asyncWorkTimeoutMs` from now) until `work` settles. */
  waitFor(label: string, work: Promise<void>): void {
    if (!this.waits) {
      this.waits = [];
      this.deadline = performance.now() + this.options.asyncWorkTimeoutMs;
    }
    this.waits.push(work);
    this.waitLabels.push(label);
  }

  /**
   * Resolves once the async work the span waits for so far (identify, redaction) has settled,
   * or its deadline has passed: what a custom event of this request waits for, to carry the
   * caller's identity. Never rejects.
   */
  settled(): Promise<void> {
    const waits = this.waits;
    if (!waits) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, this.deadline - performance.now()));
      timer.unref?.();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      Promise.all(waits).then(done, done);
    });
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

  /** Ends the span at `endTime` (default now), and measures it. */
  private endAt(endTime: number | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end(endTime);
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

  /** Ends now, or once async identify/redaction settle, never later than their deadline. */
  private endWhenSettled(): void {
    const waits = this.waits;
    if (!waits) {
      this.endAt(undefined);
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
        log.warn(`${labels} did not settle within the timeout; the span ends without it`);
      } else if (!Array.isArray(outcome)) {
        log.warn(`${labels} failed; the span ends without it`, outcome);
      }
      this.endAt(endTime);
    };
    // Ends on every outcome: the waits never reject, but a span must not hinge on that.
    Promise.race([Promise.all(waits), timeout]).then(done, done);
  }
}
