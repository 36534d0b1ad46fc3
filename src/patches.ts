/*
 * Every change this package makes to the SDK's objects, listed in one place so that `disable()`
 * leaves the SDK as it found it:
 *  - prototype methods (each generation's `Protocol`, v2's `Client.prototype.listen`): wrapped
 *    with shimmer, so `isWrapped` tells, at most once each (src/instrumentation.ts);
 *  - instance members: a connection's `transport.send` (to see responses go out:
 *    src/server-request.ts), a protocol's `_enqueueTaskMessage` (task responses:
 *    src/task-queue.ts), an awaited request's entry in `_responseHandlers` (src/client-request.ts)
 *    and, for the length of one `listen()` call, a v2 client's `_outboundMetaEnvelope`
 *    (src/protocol-wrappers.ts).
 * Instance patches are held weakly: a connection dropped by the app takes its record with it.
 */
import { isWrapped } from "@opentelemetry/instrumentation";

type AnyFunction = (...args: any[]) => any;
/** `InstrumentationBase`'s own `_wrap`/`_unwrap` (shimmer), handed in by the instrumentation. */
export interface Shimmer {
  wrap(target: object, name: string, wrapper: (original: AnyFunction) => AnyFunction): void;
  unwrap(target: object, name: string): void;
}

/** What was there before: restored unless something else replaced our value since. */
interface Held {
  readonly original: unknown;
  readonly value: unknown;
  readonly own: boolean;
}

export class Patches {
  private readonly methods = new Map<object, Set<string>>();
  private readonly held = new WeakMap<object, Map<unknown, Held>>();
  private readonly targets = new Set<WeakRef<object>>();
  private readonly collected = new FinalizationRegistry<WeakRef<object>>((ref) =>
    this.targets.delete(ref),
  );

  constructor(private readonly shimmer: Shimmer) {}

  /** Wraps the method `target[name]`, unless it is missing or already wrapped; true if wrapped. */
  wrapMethod<T extends object>(
    target: T,
    name: keyof T & string,
    wrapper: (original: AnyFunction) => AnyFunction,
  ): boolean {
    const current = target[name];
    if (typeof current !== "function" || isWrapped(current)) return false;
    this.shimmer.wrap(target, name, wrapper);
    const names = this.methods.get(target) ?? new Set();
    names.add(name);
    this.methods.set(target, names);
    return true;
  }

  /** Sets an instance's member to `value` until the returned function or `undoAll` undoes it. */
  replace<T extends object, K extends keyof T & string>(
    target: T,
    name: K,
    value: T[K],
  ): () => void {
    const held = { original: target[name], value, own: Object.hasOwn(target, name) };
    target[name] = value; // first: a frozen target throws, and nothing is recorded
    this.hold(target, name, held);
    return () => this.undo(target, name);
  }

  /** Sets a `Map` entry to `value` until the returned function or `undoAll` undoes it. */
  replaceEntry<K, V>(map: Map<K, V>, key: K, value: V): () => void {
    const held = { original: map.get(key), value, own: map.has(key) };
    map.set(key, value);
    this.hold(map, key, held);
    return () => this.undo(map, key);
  }

  /** Whether `target[name]` is one of ours (replaced and not undone). */
  isReplaced(target: object, name: unknown): boolean {
    return this.held.get(target)?.has(name) ?? false;
  }

  /** Undoes every patch: each prototype method unwrapped, each instance member as it was. */
  undoAll(): void {
    for (const [target, names] of this.methods) {
      for (const name of names) {
        if (isWrapped((target as Record<string, unknown>)[name])) this.shimmer.unwrap(target, name);
      }
    }
    this.methods.clear();
    for (const ref of this.targets) {
      const target = ref.deref();
      if (!target) continue;
      for (const name of [...(this.held.get(target)?.keys() ?? [])]) this.undo(target, name);
    }
  }

  private hold(target: object, name: unknown, held: Held): void {
    let members = this.held.get(target);
    if (!members) {
      members = new Map();
      this.held.set(target, members);
      const ref = new WeakRef(target);
      this.targets.add(ref);
      this.collected.register(target, ref);
    }
    // Replaced twice: the first original is the one to restore.
    const earlier = members.get(name);
    members.set(name, earlier ? { ...held, original: earlier.original, own: earlier.own } : held);
  }

  private undo(target: object, name: unknown): void {
    const members = this.held.get(target);
    const held = members?.get(name);
    if (!members || !held) return;
    // The target's record stays (empty) until it is collected: no churn per awaited request.
    members.delete(name);
    if (target instanceof Map) {
      if (target.get(name) !== held.value) return; // already settled, or replaced since
      if (held.own) target.set(name, held.original);
      else target.delete(name);
      return;
    }
    const record = target as Record<string, unknown>;
    const key = name as string;
    if (record[key] !== held.value) return; // replaced again by someone else: theirs stays
    if (held.own) record[key] = held.original;
    else delete record[key];
  }
}
