/*
 * How `MCPCatExporter` tells of the events it drops: one diag warning per interval at most, with
 * the counts and the last reason, rather than one per event.
 */
import { exporterLog } from "../log.js";

const DROP_REPORT_INTERVAL_MS = 5000;

export class DropReport {
  private queueFull = 0;
  private failed = 0;
  private lastError = "";
  private timer: NodeJS.Timeout | undefined;

  /** `queueLimits` names the limits in the warning (a full queue is the user's to resize). */
  constructor(private readonly queueLimits: string) {}

  /** An event dropped because the queue was full. */
  queueWasFull(): void {
    this.queueFull++;
    this.schedule();
  }

  /** An event dropped because it could not be delivered, for `reason`. */
  undeliverable(reason: string): void {
    this.failed++;
    this.lastError = reason;
    this.schedule();
  }

  /** Tells now what has not been told (at shutdown), and stops the timer. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const { queueFull, failed, lastError } = this;
    if (queueFull + failed === 0) return;
    this.queueFull = 0;
    this.failed = 0;
    this.lastError = "";
    const parts: string[] = [];
    if (queueFull > 0) parts.push(`${queueFull} because the queue was full (${this.queueLimits})`);
    if (failed > 0) parts.push(`${failed} undeliverable (last: ${lastError})`);
    exporterLog.warn(`dropped ${queueFull + failed} events: ${parts.join("; ")}`);
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), DROP_REPORT_INTERVAL_MS);
    this.timer.unref();
  }
}
