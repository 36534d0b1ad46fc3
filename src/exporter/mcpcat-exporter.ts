/*
 * MCPCatExporter: a SpanExporter that turns MCP spans into MCPCat events and delivers them
 * through its own bounded queue. export() only maps and enqueues, then reports SUCCESS: the
 * delivery (concurrency, retries with backoff, drops) happens here, after the span processor
 * has moved on, so an unreachable API never makes the app's forceFlush()/shutdown() reject.
 */
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { exporterLog } from "../log.js";
import { DropReport } from "./drop-report.js";
import { eventsUrlOf, projectIdOf } from "./endpoint.js";
import type { MCPCatEvent, SpanToEventOptions } from "./event.js";
import { HttpSender, type SendOutcome } from "./http-sender.js";
import {
  type MCPCatExporterOptions,
  type MCPCatExporterStats,
  nonNegative,
  positive,
} from "./options.js";
import { BoundedEventQueue, type QueuedEvent } from "./queue.js";
import { EventRedaction } from "./redact-event.js";
import { toRequestBody } from "./request-body.js";
import { eventTypeOf, isUnknownMethodSpan, spanToEvent } from "./span-to-event.js";
import { type Vocabulary, vocabularyFor } from "./vocabulary.js";

/**
 * Sends MCP spans to MCPCat (now AgentCat) as events: to the current API by default, in its
 * vocabulary, or to the legacy one (see {@link MCPCatExporterOptions.vocabulary}). Use it under a `BatchSpanProcessor`; it ignores every
 * span that is not an MCP SERVER span or an `mcpcat:identify` span.
 *
 * @example
 * new BatchSpanProcessor({ exporter: new MCPCatExporter({ projectId: "proj_..." }) })
 */
export class MCPCatExporter implements SpanExporter {
  private readonly mapping: SpanToEventOptions;
  private readonly vocabulary: Vocabulary;
  private readonly sender: HttpSender;
  private readonly drops: DropReport;
  private readonly concurrency: number;
  private readonly maxRetries: number;
  private readonly initialBackoffMillis: number;
  private readonly maxBackoffMillis: number;
  private readonly shutdownTimeoutMillis: number;
  private readonly redaction: EventRedaction | undefined;

  private readonly queue: BoundedEventQueue;
  private inFlight = 0;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private shutdownPromise: Promise<void> | undefined;
  private stopped = false;

  private readonly stats: Omit<MCPCatExporterStats, "pending" | "inFlight"> = {
    sent: 0,
    retries: 0,
    droppedQueueFull: 0,
    droppedFailed: 0,
    droppedShutdown: 0,
    skippedUnknownMethod: 0,
    droppedByRedactEvent: 0,
    droppedRedactEventFailed: 0,
  };

  /**
   * @throws when no project id is given nor set in `AGENTCAT_PROJECT_ID` / `MCPCAT_PROJECT_ID`,
   * or the URL or vocabulary is invalid.
   */
  constructor(options: MCPCatExporterOptions = {}) {
    const projectId = projectIdOf(options);
    const url = eventsUrlOf(options);
    this.vocabulary = vocabularyFor(options.vocabulary, url);
    this.mapping = {
      projectId,
      includeUnknownMethods: options.includeUnknownMethods === true,
      vocabulary: this.vocabulary.name,
    };
    const maxQueueSize = positive(options.maxQueueSize, 50_000);
    const maxQueueBytes = positive(options.maxQueueBytes, 64 * 1024 * 1024);
    this.queue = new BoundedEventQueue(maxQueueSize, maxQueueBytes);
    this.drops = new DropReport(`maxQueueSize ${maxQueueSize}, maxQueueBytes ${maxQueueBytes}`);
    this.concurrency = positive(options.maxConcurrentRequests, 32);
    this.maxRetries = nonNegative(options.maxRetries, 3);
    this.initialBackoffMillis = nonNegative(options.initialBackoffMillis, 500);
    this.maxBackoffMillis = nonNegative(options.maxBackoffMillis, 30_000);
    this.shutdownTimeoutMillis = nonNegative(options.shutdownTimeoutMillis, 10_000);
    const timeoutMillis = positive(options.timeoutMillis, 10_000);
    if (typeof options.redactEvent === "function") {
      this.redaction = new EventRedaction(options.redactEvent, timeoutMillis, this.stats);
    }
    this.sender = new HttpSender({
      url,
      timeoutMillis,
      maxSockets: this.concurrency,
      headers: { "user-agent": "mcpcat-otel", ...options.headers },
    });
  }

  /** The vocabulary the events speak: `"agentcat"` (current API) or `"mcpcat"` (legacy). */
  get apiVocabulary(): Vocabulary["name"] {
    return this.vocabulary.name;
  }

  /** The URL events are posted to. */
  get url(): string {
    return this.sender.url;
  }

  /** Maps the batch and queues its events; reports SUCCESS once they are accepted (or dropped). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownPromise !== undefined) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error("MCPCatExporter is shut down"),
      });
      return;
    }
    try {
      for (const span of spans) this.accept(span);
      this.pump();
    } catch (error) {
      exporterLog.error("unexpected error while exporting", error);
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Nothing queued, in flight or waiting for `redactEvent`. */
  private get idle(): boolean {
    return this.queue.size === 0 && (this.redaction?.pending ?? 0) === 0;
  }

  /** Waits until every queued event is delivered or dropped, up to `shutdownTimeoutMillis`. Never rejects. */
  forceFlush(): Promise<void> {
    return this.waitForIdle(this.shutdownTimeoutMillis).then((idle) => {
      if (!idle) {
        exporterLog.warn(
          `forceFlush timed out after ${this.shutdownTimeoutMillis} ms with ${this.queue.size} events still pending`,
        );
      }
    });
  }

  /**
   * Stops accepting spans, delivers what is queued for up to `shutdownTimeoutMillis`, then
   * drops (and counts) the rest and closes the connections. Idempotent; never rejects.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.waitForIdle(this.shutdownTimeoutMillis).then(() => this.stop());
    return this.shutdownPromise;
  }

  /** Current counters: what is pending, sent, retried and dropped. */
  getStats(): MCPCatExporterStats {
    const pending = this.queue.size + (this.redaction?.pending ?? 0);
    return { pending, inFlight: this.inFlight, ...this.stats };
  }

  private accept(span: ReadableSpan): void {
    try {
      if (this.queue.isFull) {
        // Full: do not spend time mapping, but still only count spans that are events.
        const includeUnknown = this.mapping.includeUnknownMethods === true;
        if (eventTypeOf(span, includeUnknown, this.vocabulary) !== null) {
          this.dropQueueFull();
        }
        return;
      }
      const event = spanToEvent(span, this.mapping);
      if (event === null) {
        if (isUnknownMethodSpan(span, this.vocabulary)) this.stats.skippedUnknownMethod++;
      } else if (this.redaction) {
        this.redaction.run(event, this.offer, this.resume);
      } else {
        this.offer(event);
      }
    } catch (error) {
      this.noteFailed(`span not mapped: ${String(error)}`);
    }
  }

  /** Queues one event (after `redactEvent`, when there is one). Throws if it cannot be serialized. */
  private readonly offer = (event: MCPCatEvent): void => {
    if (this.stopped) this.stats.droppedShutdown++;
    else if (!this.queue.offer(toRequestBody(event, this.vocabulary))) this.dropQueueFull();
  };
  private readonly resume = (): void => this.pump();

  /** Starts requests while there is room, the queue has events and no backoff is running. */
  private pump(): void {
    while (!this.stopped && this.inFlight < this.concurrency) {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) {
        this.scheduleResume(wait);
        break;
      }
      const item = this.queue.take();
      if (item === undefined) break;
      this.inFlight++;
      this.sender.send(item.body, (outcome) => this.onOutcome(item, outcome));
    }
    if (this.idle) this.notifyIdle();
  }

  private onOutcome(item: QueuedEvent, outcome: SendOutcome): void {
    this.inFlight--;
    if (outcome.ok) {
      this.stats.sent++;
      this.queue.release(item);
    } else if (this.stopped) {
      this.stats.droppedShutdown++;
      this.queue.release(item);
    } else if (!outcome.retryable || item.attempts >= this.maxRetries) {
      const tries = item.attempts + 1;
      this.queue.release(item);
      this.noteFailed(`${outcome.reason} (after ${tries} attempt${tries === 1 ? "" : "s"})`);
    } else {
      item.attempts++;
      this.stats.retries++;
      this.queue.putBack(item);
      // Back off the whole queue, not just this event: the API is down or asks us to slow down.
      const backoff = Math.min(
        this.maxBackoffMillis,
        this.initialBackoffMillis * 2 ** (item.attempts - 1),
      );
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = Math.min(this.maxBackoffMillis, Math.max(jittered, outcome.retryAfterMs ?? 0));
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delay);
      exporterLog.debug(`${outcome.reason}; retry ${item.attempts} in ${Math.round(delay)} ms`);
    }
    this.pump();
  }

  private scheduleResume(wait: number): void {
    if (this.resumeTimer !== undefined) return;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.pump();
    }, wait);
    this.resumeTimer.unref();
  }

  /** Resolves true once nothing is pending, false when `timeoutMillis` runs out first. */
  private waitForIdle(timeoutMillis: number): Promise<boolean> {
    if (this.idle) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMillis);
      // Not unref'd: an app awaiting shutdown() must stay alive through a retry backoff.
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Drops what is queued, aborts what is in flight, and resolves once those have settled. */
  private async stop(): Promise<void> {
    this.stopped = true;
    if (this.resumeTimer !== undefined) clearTimeout(this.resumeTimer);
    const dropped = this.queue.drain();
    this.stats.droppedShutdown += dropped;
    // Aborted requests settle as errors within a tick or two; onOutcome counts them as dropped.
    const inFlight = this.inFlight;
    this.sender.close();
    await this.waitForIdle(1000);
    if (dropped + inFlight > 0) {
      exporterLog.warn(
        `shut down with ${dropped + inFlight} events undelivered after ${this.shutdownTimeoutMillis} ms; dropped`,
      );
    }
    this.drops.flush();
  }

  private dropQueueFull(): void {
    this.stats.droppedQueueFull++;
    this.drops.queueWasFull();
  }

  private noteFailed(reason: string): void {
    this.stats.droppedFailed++;
    this.drops.undeliverable(reason);
  }
}

/** The same class under the vendor's current name. */
export const AgentCatExporter = MCPCatExporter;
/** The same class under the vendor's current name. */
export type AgentCatExporter = MCPCatExporter;
