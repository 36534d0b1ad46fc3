/*
 * Requests tied to a task (the SDK's experimental tasks): their response is queued for a later
 * `tasks/result` instead of being sent, so their span ends when it is queued.
 */

import type { McpRequest } from "./config.js";
import { knownConnectionState, takePending } from "./connection.js";
import type { JsonRpcResponse, ProtocolLike } from "./internal-types.js";
import { log } from "./log.js";
import type { Patches } from "./patches.js";

/** `_meta` key of a request tied to a task (SDK experimental tasks). */
const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task";

/** A request whose response the SDK will queue for its task instead of sending it. */
export function isTaskRelated(protocol: ProtocolLike, request: McpRequest): boolean {
  return Boolean(protocol._taskMessageQueue && request.params?._meta?.[RELATED_TASK_META_KEY]);
}

/**
 * A request tied to a task gets its response queued for a later `tasks/result`, not sent:
 * its span ends when the response is queued (the result is produced). Replaces this protocol
 * instance's `_enqueueTaskMessage` once (recorded in `patches`, undone by `disable()`); only
 * servers using the experimental tasks get here.
 */
export function watchTaskQueue(protocol: ProtocolLike, patches: Patches): void {
  const original = protocol._enqueueTaskMessage;
  if (typeof original !== "function" || patches.isReplaced(protocol, "_enqueueTaskMessage")) return;
  patches.replace(
    protocol,
    "_enqueueTaskMessage",
    function _enqueueTaskMessage(
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
          takePending(connection, message!.id, "active")?.endWithResponse(message!);
        }
      } catch (error) {
        log.error("failed to record a queued task response", error);
      }
      return result;
    },
  );
}
