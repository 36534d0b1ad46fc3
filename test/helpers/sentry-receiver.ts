/*
 * A Sentry DSN stand-in on 127.0.0.1: it takes the SDK's envelopes (POST /api/<project>/envelope/,
 * gzip or not), splits them into items and keeps each item's type and payload, so that a test
 * can list the transactions and spans a server sent (`@sentry/node` 11 sends spans as `span`
 * items, `{ items: [...] }`, a transaction being a segment span; older SDKs send `transaction` items).
 */
import type http from "node:http";
import { gunzipSync } from "node:zlib";
import { LoopbackServer } from "./loopback-server.js";

export interface EnvelopeItem {
  type: string;
  payload: Record<string, unknown>;
}

export class SentryReceiver extends LoopbackServer {
  readonly items: EnvelopeItem[] = [];
  /** Requests that were not a well-formed envelope; a test expects none. */
  readonly errors: string[] = [];

  /** A DSN for project 1 that sends here. */
  get dsn(): string {
    return this.url.replace("http://", "http://public@") + "/1";
  }

  /** Every span received, as `name` for a transaction (segment) or `  name` for a child span. */
  get spans(): string[] {
    const spans: string[] = [];
    for (const item of this.items) {
      if (item.type === "transaction") spans.push(String(item.payload.transaction));
      if (item.type !== "span") continue;
      for (const span of (item.payload.items ?? []) as { name: string; is_segment?: boolean }[]) {
        spans.push(span.is_segment ? span.name : `  ${span.name}`);
      }
    }
    return spans;
  }

  /** The transactions received, by name. */
  get transactions(): string[] {
    return this.spans.filter((name) => !name.startsWith(" "));
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        if (req.method !== "POST" || !/^\/api\/1\/envelope\/?(\?|$)/.test(req.url ?? "")) {
          throw new Error(`unexpected ${req.method} ${req.url}`);
        }
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        this.items.push(...parseEnvelope(body.toString("utf8")));
      } catch (error) {
        this.errors.push(String(error));
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  }
}

/** An envelope: a header line, then an item header line and a payload line per item. */
function parseEnvelope(text: string): EnvelopeItem[] {
  const lines = text.split("\n").filter((line) => line !== "");
  const items: EnvelopeItem[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const header = JSON.parse(lines[i]!) as { type: string };
    items.push({ type: header.type, payload: JSON.parse(lines[i + 1]!) });
  }
  return items;
}
