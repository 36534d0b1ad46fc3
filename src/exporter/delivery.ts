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
  for (const key in json) {
    if (json[key] !== undefined && !HAS_UPPER.test(key)) body[key] = json[key];
  }
  return JSON.stringify(body);
}
const HAS_UPPER = /[A-Z]/;

/** Sends bodies to one URL over a keep-alive agent. */
export class HttpSender {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly active = new Set<http.ClientRequest>();
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly options: HttpSenderOptions) {
    const isHttps = options.url.protocol === "https:";
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: "lifo" as const,
    };
    this.agent = isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = isHttps ? https.request : http.request;
    this.baseHeaders = { "content-type": "application/json", accept: "application/json" };
    for (const [k, v] of Object.entries(options.headers)) this.baseHeaders[k.toLowerCase()] = v;
  }

  /** POSTs one body. Resolves with the outcome; never rejects. */
  send(body: string): Promise<SendOutcome> {
    // Our own HTTP calls must not be traced (an HTTP instrumentation would make spans about
    // exporting spans), whatever context the send is started from.
    return context.with(suppressTracing(ROOT_CONTEXT), () => this.sendUntraced(body));
  }

  private sendUntraced(body: string): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let req: http.ClientRequest;
      const settle = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        this.active.delete(req);
        resolve(outcome);
      };
      try {
        const { url } = this.options;
        req = this.request({
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: "POST",
          agent: this.agent,
          headers: { ...this.baseHeaders, "content-length": Buffer.byteLength(body) },
        });
      } catch (error) {
        resolve({ ok: false, retryable: false, reason: `request not made: ${errText(error)}` });
        return;
      }
      this.active.add(req);
      timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${this.options.timeoutMillis} ms`));
      }, this.options.timeoutMillis);
      timer.unref();
      req.on("error", (error) => settle({ ok: false, retryable: true, reason: errText(error) }));
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // Drain so the socket goes back to the pool; the event is accepted from here on.
          res.resume();
          res.on("end", () => settle({ ok: true, status }));
          res.on("error", () => settle({ ok: true, status }));
          res.on("aborted", () => settle({ ok: true, status }));
          return;
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < 300) text += chunk;
        });
        const fail = (): void => {
          const retryable = status === 429 || status >= 500;
          const outcome: SendOutcome = {
            ok: false,
            retryable,
            status,
            reason: `HTTP ${status}${text ? `: ${text.slice(0, 300).trim()}` : ""}`,
          };
          const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
          if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
          settle(outcome);
        };
        res.on("end", fail);
        res.on("error", fail);
        res.on("aborted", fail);
      });
      req.end(body);
    });
  }

  /** The URL bodies are posted to. */
  get url(): string {
    return this.options.url.href;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Ends every request in flight (each resolves as a network error) and closes the sockets. */
  close(): void {
    for (const req of this.active) req.destroy(new Error("exporter shut down"));
    this.agent.destroy();
  }
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
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
