/*
 * The one guard for user code (hooks, `identify`, `eventTags`/`eventProperties`, `redact`): its
 * failures, sync or async, are reported through diag and never reach the user's server.
 */
import { log } from "./log.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * Runs user code so that its failure is reported, never thrown: a sync throw is caught, and an
 * async one (an `async` hook where `void` was typed) is caught when it rejects. A promise is
 * not a result: the caller gets `undefined` for it.
 */
export function guard<T>(name: string, run: () => T): T | undefined {
  let result: T;
  try {
    result = run();
  } catch (error) {
    log.warn(`${name} threw`, error);
    return undefined;
  }
  if (!isThenable(result)) return result;
  Promise.resolve(result).then(undefined, (error) => log.warn(`${name} rejected`, error));
  return undefined;
}

/**
 * Runs user code whose answer may come now or later (`identify`, `redact`) and hands it to
 * `settle`: at once, or when its promise resolves. A throw or a rejection is reported (with
 * `consequence`: what is lost) and settles with `undefined`. Reading the answer is user code
 * too (a getter may throw), so `settle` is guarded as well. Returns the promise of a later
 * answer, which never rejects, for the caller to wait on; `undefined` when settled already.
 */
export function guardAsync<T>(
  name: string,
  consequence: string,
  run: () => T | PromiseLike<T>,
  settle: (value: T | undefined) => void,
): Promise<void> | undefined {
  let result: T | PromiseLike<T>;
  try {
    result = run();
  } catch (error) {
    log.warn(`${name} threw; ${consequence}`, error);
    settleGuarded(name, consequence, settle, undefined);
    return undefined;
  }
  if (!isThenable(result)) {
    settleGuarded(name, consequence, settle, result);
    return undefined;
  }
  return Promise.resolve(result).then(
    (value) => settleGuarded(name, consequence, settle, value),
    (error) => {
      log.warn(`${name} rejected; ${consequence}`, error);
      settleGuarded(name, consequence, settle, undefined);
    },
  );
}

function settleGuarded<T>(
  name: string,
  consequence: string,
  settle: (value: T | undefined) => void,
  value: T | undefined,
): void {
  try {
    settle(value);
  } catch (error) {
    log.warn(`${name} returned what cannot be read; ${consequence}`, error);
  }
}
