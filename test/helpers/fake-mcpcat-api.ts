/*
 * A loopback stand-in for the AgentCat API (or, with `vocabulary: "mcpcat"`, the legacy MCPCat
 * API): POST /v1/public/events/ only. It decodes and checks every body the way the API reads
 * it (snake_case keys, the generated model of that API: `agentcat-api` or `mcpcat-api`, its
 * event type enum and version field), records what it accepted, and can be scripted to fail,
 * hang or drop connections.
 */
import type http from "node:http";
import * as agentcat from "agentcat-api";
import * as mcpcat from "mcpcat-api";
import { LoopbackServer } from "./loopback-server.js";

type PublishEventRequest = agentcat.PublishEventRequest | mcpcat.PublishEventRequest;

/** What differs between the two APIs, as their generated models say. */
const MODELS = {
  agentcat: {
    fromJSON: agentcat.PublishEventRequestFromJSON,
    instanceOf: agentcat.instanceOfPublishEventRequest,
    // The custom type is not in the generated enum, but the vendor's SDK (agentcat 1.0.1) sends it.
    eventTypes: new Set<string>([
      ...Object.values(agentcat.PublishEventRequestEventTypeEnum),
      "agentcat:custom",
    ]),
    versionKey: "agentcat_version",
    otherVersionKey: "mcpcat_version",
  },
  mcpcat: {
    fromJSON: mcpcat.PublishEventRequestFromJSON,
    instanceOf: mcpcat.instanceOfPublishEventRequest,
    // Likewise: not in the enum, sent by the legacy SDK (mcpcat 0.1.17).
    eventTypes: new Set<string>([
      ...Object.values(mcpcat.PublishEventRequestEventTypeEnum),
      "mcpcat:custom",
    ]),
    versionKey: "mcpcat_version",
    otherVersionKey: "agentcat_version",
  },
} as const;

/** What the stand-in answers to one request; `attempt` counts requests for the same event id. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | "hang"
  | "destroy";
export type Script = (body: Record<string, unknown>, attempt: number) => Reply;

export interface ReceivedRequest {
  at: number;
  /** The body as sent (snake_case). */
  body: Record<string, unknown>;
  /** The body decoded by the generated model (camelCase, `timestamp` a Date). */
  event: PublishEventRequest;
  status: number | "hang" | "destroy";
  headers: http.IncomingHttpHeaders;
}

const ID_PATTERN = /^evt_[0-9A-Za-z]{27}$/;

export class FakeMcpcatApi extends LoopbackServer {
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Bodies answered with 2xx, by event id (a second 2xx for one id is a violation). */
  readonly accepted = new Map<string, Record<string, unknown>>();
  /** Every way a request broke the API's contract; a test expects this to stay empty. */
  readonly violations: string[] = [];
  /** Requests currently left unanswered. */
  readonly hanging = new Set<http.ServerResponse>();
  script: Script = () => ({ status: 202 });
  private readonly attempts = new Map<string, number>();
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly model: (typeof MODELS)[keyof typeof MODELS];

  /** `vocabulary`: which API this stands in for (default the current one, AgentCat). */
  constructor(readonly vocabulary: "agentcat" | "mcpcat" = "agentcat") {
    super();
    this.model = MODELS[vocabulary];
  }

  /** Accepted events, in the order they were accepted. */
  get events(): PublishEventRequest[] {
    return [...this.accepted.values()].map((b) => this.model.fromJSON(b));
  }

  /** Resolves once `n` events have been accepted. */
  waitForAccepted(n: number): Promise<void> {
    if (this.accepted.size >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  override async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    await super.close();
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/public/events/") {
        this.violations.push(`unexpected ${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      if (!String(req.headers["content-type"]).startsWith("application/json")) {
        this.violations.push(`content-type ${req.headers["content-type"]}`);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        this.violations.push("body is not JSON");
        res.writeHead(400).end();
        return;
      }
      this.check(body);
      const id = String(body.id);
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const reply = this.script(body, attempt);
      const record: ReceivedRequest = {
        at: Date.now(),
        body,
        event: this.model.fromJSON(body),
        status: typeof reply === "string" ? reply : reply.status,
        headers: req.headers,
      };
      this.requests.push(record);
      if (reply === "hang") {
        this.hanging.add(res);
        res.on("close", () => this.hanging.delete(res));
        return;
      }
      if (reply === "destroy") {
        req.socket.destroy();
        return;
      }
      const answer = (): void => {
        if (reply.status >= 200 && reply.status < 300) this.accept(id, body);
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(
          reply.body ?? JSON.stringify({ status: reply.status < 300 ? "accepted" : "error" }),
        );
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  }

  /** The checks the real API would make on what it reads (the snake_case keys). */
  private check(body: Record<string, unknown>): void {
    const id = body.id;
    if (typeof id !== "string" || !ID_PATTERN.test(id)) this.violations.push(`bad id ${id}`);
    if (typeof body.project_id !== "string") this.violations.push(`${id}: no project_id`);
    if (!("session_id" in body)) this.violations.push(`${id}: no session_id key`);
    if (!this.model.instanceOf(this.model.fromJSON(body))) {
      this.violations.push(`${id}: not a ${this.vocabulary} PublishEventRequest`);
    }
    if (!this.model.eventTypes.has(String(body.event_type))) {
      this.violations.push(`${id}: event_type ${body.event_type} not in the enum`);
    }
    if (typeof body.timestamp !== "string" || Number.isNaN(Date.parse(body.timestamp))) {
      this.violations.push(`${id}: bad timestamp ${body.timestamp}`);
    }
    if (!Number.isInteger(body.duration)) this.violations.push(`${id}: duration ${body.duration}`);
    if (typeof body[this.model.versionKey] !== "string") {
      this.violations.push(`${id}: no ${this.model.versionKey}`);
    }
    if (this.model.otherVersionKey in body) {
      this.violations.push(
        `${id}: ${this.model.otherVersionKey} sent to the ${this.vocabulary} API`,
      );
    }
    for (const key of Object.keys(body)) {
      if (/[A-Z]/.test(key)) this.violations.push(`${id}: camelCase key ${key} on the wire`);
    }
  }

  private accept(id: string, body: Record<string, unknown>): void {
    if (this.accepted.has(id)) this.violations.push(`duplicate event ${id} accepted twice`);
    this.accepted.set(id, body);
    const ready = this.waiters.filter((w) => this.accepted.size >= w.n);
    this.waiters = this.waiters.filter((w) => this.accepted.size < w.n);
    for (const w of ready) w.resolve();
  }
}
