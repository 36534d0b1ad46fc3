/*
 * One HTTP POST of one event body to the MCPCat API, over keep-alive connections, with a time
 * limit. It never throws nor rejects: every way a request can end is an outcome that the
 * exporter's queue decides about (retry, drop). No retry logic lives here.
 */
import http from "node:http";
import https from "node:https";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { PublishEventRequestToJSON } from "mcpcat-api";
import type { MCPCatEvent } from "./types.js";

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

/**
 * The request body: what `PublishEventRequestToJSON` makes, keeping only the snake_case keys
 * the API reads (the generated client repeats every field in camelCase too, which would double
 * the size of captured content on the wire).
 */
export function toRequestBody(event: MCPCatEvent): string {
  const json = PublishEventRequestToJSON(event) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const key of SNAKE_KEYS) {
    const value = json[key];
    if (value !== undefined) body[key] = value;
  }
  return JSON.stringify(body);
}
/** Every key the generated serializer writes for the API (it writes them all, even undefined). */
const SNAKE_KEYS = Object.keys(PublishEventRequestToJSON({} as MCPCatEvent));

/** Sends bodies to one URL over a keep-alive agent. */
export class HttpSender {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  /** Requests in flight and when each must have ended (a sweep, not a timer per request). */
  private readonly deadlines = new Map<http.ClientRequest, number>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly requestOptions: http.RequestOptions;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: HttpSenderOptions) {
    const { url } = options;
    const isHttps = url.protocol === "https:";
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: "lifo" as const,
    };
    this.agent = isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = isHttps ? https.request : http.request;
    this.headers = { "content-type": "application/json", accept: "application/json" };
    for (const [k, v] of Object.entries(options.headers)) this.headers[k.toLowerCase()] = v;
    this.requestOptions = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: "POST",
      agent: this.agent,
    };
  }

  /** The URL bodies are posted to. */
  get url(): string {
    return this.options.url.href;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.deadlines.size;
  }

  /**
   * POSTs one body and calls `done` exactly once with the outcome; never throws. A callback,
   * not a promise: this runs once per event, thousands of times a second.
   */
  send(body: string, done: (outcome: SendOutcome) => void): void {
    // Our own HTTP calls must not be traced (an HTTP instrumentation would make spans about
    // exporting spans), whatever context the send is started from.
    context.with(UNTRACED, () => this.sendUntraced(body, done));
  }

  private sendUntraced(body: string, done: (outcome: SendOutcome) => void): void {
    let settled = false;
    let req: http.ClientRequest;
    const settle = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      this.deadlines.delete(req);
      done(outcome);
    };
    try {
      req = this.request({
        ...this.requestOptions,
        headers: { ...this.headers, "content-length": Buffer.byteLength(body) },
      });
    } catch (error) {
      // Later, never from inside the caller's loop (it would recurse once per queued event).
      const reason = `request not made: ${errText(error)}`;
      process.nextTick(done, { ok: false, retryable: false, reason });
      return;
    }
    this.deadlines.set(req, Date.now() + this.options.timeoutMillis);
    this.startSweeper();
    req.on("error", (error) => settle({ ok: false, retryable: true, reason: errText(error) }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        // Drain so the socket goes back to the pool before the next request wants it.
        res.resume();
        const ok = (): void => settle({ ok: true, status });
        res.on("end", ok);
        res.on("close", ok);
        return;
      }
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (text.length < 300) text += chunk;
      });
      const fail = (): void => {
        const outcome: SendOutcome = {
          ok: false,
          retryable: status === 429 || status >= 500,
          status,
          reason: `HTTP ${status}${text ? `: ${text.slice(0, 300).trim()}` : ""}`,
        };
        const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
        if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
        settle(outcome);
      };
      res.on("end", fail);
      res.on("close", fail);
    });
    req.end(body);
  }

  /** One sweep timer while requests are in flight: cheaper than a timer per request. */
  private startSweeper(): void {
    if (this.sweeper !== undefined) return;
    const every = Math.min(1000, Math.max(10, Math.floor(this.options.timeoutMillis / 8)));
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [req, deadline] of this.deadlines) {
        if (now >= deadline) {
          req.destroy(new Error(`timed out after ${this.options.timeoutMillis} ms`));
        }
      }
      if (this.deadlines.size === 0) this.stopSweeper();
    }, every);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Ends every request in flight (each settles as a network error) and closes the sockets. */
  close(): void {
    for (const req of this.deadlines.keys()) req.destroy(new Error("exporter shut down"));
    this.stopSweeper();
    this.agent.destroy();
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
