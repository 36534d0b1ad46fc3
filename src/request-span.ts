import {
  type Attributes,
  type DiagLogger,
  type Span,
  SpanKind,
  SpanStatusCode,
} from "@opentelemetry/api";
import { safeExecuteInTheMiddle } from "@opentelemetry/instrumentation";
import { CLIENT_FAULT_CODES, type Peers } from "./attributes.js";
import { prepareCaptured, toJson, toolErrorText, truncate, userIntentOf } from "./content.js";
import type { McpMetrics, Outcome } from "./metrics.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCPCAT_USER_INTENT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_OTHER,
  ERROR_TYPE_VALUE_TOOL_ERROR,
} from "./semconv.js";
import type { ConnectionState } from "./session.js";
import type { McpInstrumentationConfig, McpRequest } from "./types.js";

/** Most prompt arguments recorded per request, each as its own attribute. */
export const MAX_PROMPT_VARIABLES = 32;

/** The options of the instrumentation, resolved once from config and environment. */
export interface ResolvedOptions {
  readonly config: McpInstrumentationConfig;
  /** The option, else `MCPCAT_STATELESS`; `undefined` leaves it to auto-detection. */
  readonly stateless: boolean | undefined;
  readonly captureContent: boolean;
  readonly maxContentLength: number;
  readonly identifyTimeoutMs: number;
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
export class RequestSpan implements Outcome {
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
    private readonly diag: DiagLogger,
    readonly kind: SpanKind.SERVER | SpanKind.CLIENT = SpanKind.SERVER,
  ) {}

  /**
   * Records this request's duration in `metrics` when the span ends, with the allowed subset of
   * `attributes` (the span's start attributes, shared, not copied). Only when metrics are on.
   */
  measureWith(metrics: McpMetrics, attributes: Attributes): void {
    this.measured = { metrics, attributes, startedAt: performance.now() };
  }

  /** Records a captured string (redacted, truncated); never the unredacted text. */
  capture(key: string, text: string): void {
    let prepared: string | Promise<string>;
    try {
      prepared = prepareCaptured(text, this.options.config.redact, this.options.maxContentLength);
    } catch (error) {
      this.diag.warn(`redact threw; ${key} not recorded`, error);
      return;
    }
    if (typeof prepared === "string") {
      this.span.setAttribute(key, prepared);
      return;
    }
    const applied = prepared.then(
      (value) => {
        if (!this.ended) this.span.setAttribute(key, value);
      },
      (error) => this.diag.warn(`redact failed; ${key} not recorded`, error),
    );
    this.waitFor("redact", applied);
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

  /** Ends the span now. `unanswered` says why a request got no response (an error of `_OTHER` type). */
  end(unanswered?: string, endTime?: number): void {
    if (this.ended) return;
    this.ended = true;
    if (unanswered) {
      this.errorType = ERROR_TYPE_VALUE_OTHER;
      this.span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: unanswered });
    }
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
        this.errorType = ERROR_TYPE_VALUE_TOOL_ERROR;
        span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_TOOL_ERROR);
        span.setStatus({ code: SpanStatusCode.ERROR, message: toolErrorText(result) });
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
    if (code !== undefined) {
      this.statusCode = String(code);
      this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, this.statusCode);
    }
    // The client's own mistakes are not errors of the server; to the client they are.
    if (code !== undefined && this.kind === SpanKind.SERVER && CLIENT_FAULT_CODES.has(code)) return;
    this.errorType = code !== undefined ? String(code) : ERROR_TYPE_VALUE_OTHER;
    this.span.setAttribute(ATTR_ERROR_TYPE, this.errorType);
    this.span.recordException({ name: "McpError", message });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  /** A CLIENT request that failed: the error the SDK rejected with (its stack included). */
  fail(error: unknown): void {
    if (this.ended) return;
    const code = jsonRpcCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    try {
      if (typeof code === "number") {
        this.statusCode = String(code);
        this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, this.statusCode);
      }
      this.errorType = typeof code === "number" ? String(code) : ERROR_TYPE_VALUE_OTHER;
      this.span.setAttribute(ATTR_ERROR_TYPE, this.errorType);
      this.span.recordException(error instanceof Error ? error : message);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
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
