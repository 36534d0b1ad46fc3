/*
 * One HTTP POST of one event body to the MCPCat API, over keep-alive connections (undici's
 * Pool: about half the CPU per request of node:http), with a time limit. It never throws nor rejects: every way a request can end is an outcome that the
 * exporter's queue decides about (retry, drop). No retry logic lives here.
 */
import type { IncomingHttpHeaders } from "node:http";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { type Dispatcher, Pool } from "undici";

const UNTRACED = suppressTracing(ROOT_CONTEXT);

/** The API's route for one event, as `mcpcat-api`'s `EventsApi.publishEvent` posts it. */
export const EVENTS_PATH = "/v1/public/events/";

/** How a request ended. */
export type SendOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      /** Network error, timeout, 429 or 5xx. */
      retryable: boolean;
      /** From a `Retry-After` header, in milliseconds. */
      retryAfterMs?: number;
      status?: number;
      reason: string;
    };

export interface HttpSenderOptions {
  url: URL;
  timeoutMillis: number;
  maxSockets: number;
  headers: Record<string, string>;
}

/** Sends bodies to one URL over an undici `Pool` of keep-alive connections. */
export class HttpSender {
  private readonly pool: Pool;
  private readonly path: string;
  /** Request headers as undici takes them: a flat list of names and values, built once. */
  private readonly headers: string[];
  /** Requests in flight; each knows its deadline (a sweep, not a timer per request). */
  private readonly pending = new Set<PendingRequest>();
  private readonly sweepEvery: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: HttpSenderOptions) {
    const { url, timeoutMillis } = options;
    this.sweepEvery = Math.min(1000, Math.max(10, Math.floor(timeoutMillis / 8)));
    this.pool = new Pool(url.origin, {
      connections: options.maxSockets,
      pipelining: 1,
      // The sweep below limits the whole request. undici's own limits are off or longer, so
      // that a timeout is always reported the same way; connectTimeout only bounds a connect
      // that outlives the request it was for.
      headersTimeout: 0,
      bodyTimeout: 0,
      connectTimeout: timeoutMillis * 2,
    });
    this.path = url.pathname + url.search;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    for (const [k, v] of Object.entries(options.headers)) headers[k.toLowerCase()] = v;
    this.headers = Object.entries(headers).flat();
  }

  /** The URL bodies are posted to. */
  get url(): string {
    return this.options.url.href;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * POSTs one body and calls `done` exactly once, always asynchronously, with the outcome;
   * never throws. A callback, not a promise: this runs once per event, thousands of times a
   * second.
   */
  send(body: string, done: (outcome: SendOutcome) => void): void {
    // Our own HTTP calls must not be traced (an undici instrumentation would make spans about
    // exporting spans), whatever context the send is started from: undici announces the
    // request (diagnostics channel `undici:request:create`) synchronously, inside dispatch.
    context.with(UNTRACED, this.dispatch, this, body, done);
  }

  private dispatch(body: string, done: (outcome: SendOutcome) => void): void {
    const request = new PendingRequest(this, done, Date.now() + this.options.timeoutMillis);
    this.pending.add(request);
    this.startSweeper();
    try {
      this.pool.dispatch({ path: this.path, method: "POST", headers: this.headers, body }, request);
    } catch (error) {
      // undici reports its own errors through the handler; this is only a safety net.
      request.onResponseError(undefined, error as Error);
    }
    request.dispatching = false;
  }

  /** Reports a request's outcome, once, never from inside `send` nor undici's parser. */
  settle(request: PendingRequest, outcome: SendOutcome): void {
    if (request.settled) return;
    request.settled = true;
    this.pending.delete(request);
    process.nextTick(request.done, outcome);
  }

  /** Ends a request now: with its HTTP status if the response has begun, else as `error`. */
  private abort(request: PendingRequest, error: Error): void {
    this.settle(request, request.outcomeAfter(error));
    request.abortWith(error);
  }

  /** One sweep timer while requests are in flight: cheaper than a timer per request. */
  private startSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const request of this.pending) {
        if (now >= request.deadline) {
          this.abort(request, new Error(`timed out after ${this.options.timeoutMillis} ms`));
        }
      }
      if (this.pending.size === 0) this.stopSweeper();
    }, this.sweepEvery);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Ends every request in flight (each settles as a network error) and closes the connections. */
  close(): void {
    const error = new Error("exporter shut down");
    for (const request of this.pending) this.abort(request, error);
    this.stopSweeper();
    // Also fails what undici still holds (a request settled by the sweep, a connect under way).
    this.pool.destroy(error).catch(() => {});
  }
}

/** Most bytes of an error response kept for the reason (300 characters of UTF-8). */
const MAX_ERROR_TEXT_BYTES = 1200;

/** One request's state, and undici's handler for it (one object per request, no closures). */
class PendingRequest implements Dispatcher.DispatchHandler {
  settled = false;
  /** True while `pool.dispatch` runs: an error then means the request was never made. */
  dispatching = true;
  private controller: Dispatcher.DispatchController | undefined;
  private abortReason: Error | undefined;
  private status = 0;
  private retryAfter: string | undefined;
  private errorText: Buffer[] | undefined;
  private errorTextBytes = 0;

  constructor(
    private readonly sender: HttpSender,
    readonly done: (outcome: SendOutcome) => void,
    readonly deadline: number,
  ) {}

  /** Aborts the request in undici now, or as soon as it starts if it has not yet. */
  abortWith(error: Error): void {
    this.abortReason = error;
    this.controller?.abort(error);
  }

  /** The outcome when the request ends early with `error`. */
  outcomeAfter(error: unknown): SendOutcome {
    // As with node:http before: once the status has arrived, that is the outcome.
    if (this.status !== 0) return this.statusOutcome();
    if (this.dispatching) {
      return { ok: false, retryable: false, reason: `request not made: ${errText(error)}` };
    }
    return { ok: false, retryable: true, reason: errText(error) };
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.abortReason !== undefined) controller.abort(this.abortReason);
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // 1xx: the response proper follows
    this.status = statusCode;
    if (statusCode >= 300) {
      const retryAfter = headers["retry-after"];
      this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
      this.errorText = [];
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // A 2xx body is read and dropped (so the connection is reused); an error's start is kept.
    if (this.errorText !== undefined && this.errorTextBytes < MAX_ERROR_TEXT_BYTES) {
      this.errorText.push(chunk);
      this.errorTextBytes += chunk.length;
    }
  }

  onResponseEnd(): void {
    this.sender.settle(this, this.statusOutcome());
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.sender.settle(this, this.outcomeAfter(error));
  }

  private statusOutcome(): SendOutcome {
    const status = this.status;
    if (status >= 200 && status < 300) return { ok: true, status };
    const text = this.errorText ? Buffer.concat(this.errorText).toString("utf8") : "";
    const outcome: SendOutcome = {
      ok: false,
      retryable: status === 429 || status >= 500,
      status,
      reason: `HTTP ${status}${text ? `: ${text.slice(0, 300).trim()}` : ""}`,
    };
    const retryAfterMs = parseRetryAfter(this.retryAfter);
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
    return outcome;
  }
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always names a day and a month; Date.parse would take "-3" as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function errText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
