/*
 * The life of every span this package makes (request, notification, identify): started in one
 * place, ended once, at the moment its outcome was known. Async user work it must carry (an
 * async `redact`, `identify`) is waited for here and only here: the span ends when that work
 * settles, or at its deadline (`asyncWorkTimeoutMs`), but its end time never moves.
 */
import type {
  Attributes,
  Context,
  Link,
  Span,
  SpanKind,
  TimeInput,
  Tracer,
} from "@opentelemetry/api";
import { prepareCaptured, truncate } from "./content.js";
import type { ResolvedOptions } from "./internal-types.js";
import { log } from "./log.js";
import { guardAsync } from "./utils.js";

/**
 * Starts a span: the one call to `tracer.startSpan` in this package. `startTime` only for a span
 * that records something already over (a custom event with its own duration).
 */
export function startSpan(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context,
  links?: Link[],
  startTime?: TimeInput,
): Span {
  return tracer.startSpan(name, { kind, attributes, links, startTime }, parent);
}

export class SpanLife {
  ended = false;
  private waits: Promise<void>[] | undefined;
  private waitLabels: string[] = [];
  private deadline = 0;

  constructor(
    readonly span: Span,
    /** The options of the instrumentation that made it, as they were then. */
    readonly options: ResolvedOptions,
  ) {}

  get maxContentLength(): number {
    return this.options.maxContentLength;
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
    return this.waits ? this.untilSettled(this.waits).then(() => undefined) : Promise.resolve();
  }

  /** Ends the span now, whatever it waits for. */
  end(): void {
    this.endAt(undefined);
  }

  /** Ends now, or once the work it waits for settles, never later than its deadline. */
  endWhenSettled(): void {
    const waits = this.waits;
    if (!waits) {
      this.endAt(undefined);
      return;
    }
    const endTime = performance.now();
    void this.untilSettled(waits).then((outcome) => {
      const labels = this.waitLabels.join(", ");
      if (outcome === "timeout") {
        log.warn(`${labels} did not settle within the timeout; the span ends without it`);
      } else if (!Array.isArray(outcome)) {
        log.warn(`${labels} failed; the span ends without it`, outcome);
      }
      this.endAt(endTime);
    });
  }

  /**
   * The one wait for async work: settles with `"timeout"` at the span's deadline, or else with
   * what `Promise.all(waits)` gave (an array once all settled, the reason if one rejected: the
   * waits are guarded and never reject, but a span must not hinge on that). Never rejects.
   */
  private untilSettled(waits: Promise<void>[]): Promise<unknown> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve("timeout"),
        Math.max(0, this.deadline - performance.now()),
      );
      timer.unref?.();
      const done = (outcome: unknown) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      Promise.all(waits).then(done, done);
    });
  }

  /** Ends the span at `endTime` (default now), once. */
  protected endAt(endTime: number | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end(endTime);
    this.onEnded(endTime);
  }

  /** What a kind of span does once it has ended (a request span records its duration). */
  protected onEnded(_endTime: number | undefined): void {}
}
