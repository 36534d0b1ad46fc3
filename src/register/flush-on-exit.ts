import { registerLog } from "../log.js";

/** How long the exit paths wait for the SDK to export what it holds. */
export const SHUTDOWN_TIMEOUT_MS = 5000;

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Runs `shutdown` (once) when the process is about to end, without changing how it ends:
 * - normal exit (the event loop ran dry): on `beforeExit`; the process then exits as before,
 *   with its `process.exitCode`. If the flush times out (an unreachable collector, whose
 *   exporter would go on retrying), the process is ended with `process.exit()` and that same
 *   exit code: the app had nothing left to do, only our retries would keep it alive;
 * - SIGTERM / SIGINT: listening to a signal turns off Node's default of dying from it. So after
 *   the flush, when no other listener handles the signal (the app has none of its own), the
 *   signal is raised again with ours removed: the process dies from it exactly as it would have,
 *   and its parent sees the same signal. When the app has a listener of its own, the app decides
 *   when to exit; the flush runs alongside. Our listener goes at the first signal, so a second
 *   Ctrl+C gets the default (or the app's) behaviour at once.
 * Not covered, as nothing asynchronous can run then: `process.exit()` and uncaught exceptions.
 */
export function flushOnExit(shutdown: () => Promise<void>, timeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  let flushed: Promise<Outcome> | undefined;
  const flushOnce = () => {
    flushed ??= bounded(shutdown, timeoutMs);
    return flushed;
  };

  process.once("beforeExit", () => {
    void flushOnce().then((outcome) => {
      if (outcome === "timeout") process.exit();
    });
  });

  for (const signal of SIGNALS) {
    const onSignal = () => {
      process.removeListener(signal, onSignal);
      const appHandlesIt = process.listenerCount(signal) > 0;
      void flushOnce().then(() => {
        if (!appHandlesIt && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}

type Outcome = "flushed" | "failed" | "timeout";

async function bounded(shutdown: () => Promise<void>, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const flushed = Promise.resolve()
      .then(shutdown)
      .then(() => "flushed" as const);
    const outcome = await Promise.race([flushed, timeout]);
    if (outcome === "timeout")
      registerLog.warn(`telemetry not flushed within ${timeoutMs} ms at exit`);
    return outcome;
  } catch (error) {
    registerLog.warn("telemetry flush at exit failed", error);
    return "failed";
  } finally {
    clearTimeout(timer);
  }
}
