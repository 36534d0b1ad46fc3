import { context, type DiagLogger, trace } from "@opentelemetry/api";
import type { JsonRpcResponse, ProtocolLike, RequestId } from "./internal-types.js";
import type { RequestSpan } from "./request-span.js";
import { type ConnectionState, knownConnectionState } from "./session.js";
import type { McpRequest } from "./types.js";

/** A connection whose responses are watched: it has its map of pending requests. */
export interface PendingConnection extends ConnectionState {
  pending: Map<RequestId, RequestSpan>;
}

/**
 * Two requests in flight with one id (a misbehaving client, a batch) are both kept: each gets
 * its own response and duration.
 */
export function addPending(connection: PendingConnection, id: RequestId, tracked: RequestSpan) {
  if (!connection.pending.has(id)) {
    connection.pending.set(id, tracked);
    return;
  }
  connection.duplicates ??= new Map();
  const list = connection.duplicates.get(id);
  if (list) list.push(tracked);
  else connection.duplicates.set(id, [tracked]);
}

/**
 * Removes and returns the pending request with this id. With duplicates (rare), `active` picks
 * the request whose handler is sending (its span is the active one: the SDK sends from the
 * handler's promise chain), else the oldest; `last` picks the newest.
 */
export function takePending(
  connection: ConnectionState,
  id: RequestId,
  which: "active" | "last",
): RequestSpan | undefined {
  const first = connection.pending?.get(id);
  const rest = connection.duplicates?.get(id);
  if (!first || !rest) {
    connection.pending?.delete(id);
    return first;
  }
  const all = [first, ...rest];
  let index = all.length - 1;
  if (which === "active") {
    const active = trace.getSpan(context.active());
    index = Math.max(
      0,
      all.findIndex((tracked) => tracked.span === active),
    );
  }
  const [taken] = all.splice(index, 1);
  connection.pending!.set(id, all[0]!);
  if (all.length > 1) connection.duplicates!.set(id, all.slice(1));
  else connection.duplicates!.delete(id);
  return taken;
}

/** Removes and returns every pending request of the connection (it closed). */
export function takeAllPending(connection: ConnectionState): RequestSpan[] {
  const all = [
    ...(connection.pending?.values() ?? []),
    ...[...(connection.duplicates?.values() ?? [])].flat(),
  ];
  connection.pending?.clear();
  connection.duplicates = undefined;
  return all;
}

/** `_meta` key of a request tied to a task (SDK experimental tasks). */
const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task";
/** Protocols whose task message queue is watched (an instance may serve many requests). */
const watchedTaskQueues = new WeakSet<object>();

/** A request whose response the SDK will queue for its task instead of sending it. */
export function isTaskRelated(protocol: ProtocolLike, request: McpRequest): boolean {
  return Boolean(protocol._taskMessageQueue && request.params?._meta?.[RELATED_TASK_META_KEY]);
}

/**
 * A request tied to a task gets its response queued for a later `tasks/result`, not sent:
 * its span ends when the response is queued (the result is produced). Wraps this protocol
 * instance's `_enqueueTaskMessage` once; only servers using the experimental tasks get here.
 */
export function watchTaskQueue(protocol: ProtocolLike, diag: DiagLogger): void {
  const original = protocol._enqueueTaskMessage;
  if (typeof original !== "function" || watchedTaskQueues.has(protocol)) return;
  watchedTaskQueues.add(protocol);
  protocol._enqueueTaskMessage = function _enqueueTaskMessage(
    this: ProtocolLike,
    taskId: unknown,
    queued: unknown,
    ...rest: unknown[]
  ) {
    const result = original.call(this, taskId, queued, ...rest);
    try {
      const { type, message } = (queued ?? {}) as { type?: unknown; message?: JsonRpcResponse };
      const connection = this._transport && knownConnectionState(this._transport);
      if ((type === "response" || type === "error") && connection?.pending?.has(message!.id)) {
        takePending(connection, message!.id, "active")?.finish(message!);
      }
    } catch (error) {
      diag.error("failed to record a queued task response", error);
    }
    return result;
  };
}
