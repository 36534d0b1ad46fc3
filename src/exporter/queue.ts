/*
 * The exporter's bounded queue of serialized events. An event counts against the limits from
 * the moment it is offered until it is released (delivered or dropped), in flight and while
 * waiting for a retry included: that is what bounds memory when the API is down or slow.
 */

/** One event waiting to be sent: its request body and how many times it was tried. */
export interface QueuedEvent {
  readonly body: string;
  attempts: number;
}

export class BoundedEventQueue {
  // Retries go first, in their own small lane; the main lane is an array read from `head`
  // (Array#shift is O(n) on large arrays).
  private readonly retries: QueuedEvent[] = [];
  private items: (QueuedEvent | undefined)[] = [];
  private head = 0;
  private count = 0;
  private chars = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxChars: number,
  ) {}

  /** Events counted: waiting, in flight, or waiting for a retry. */
  get size(): number {
    return this.count;
  }

  /** True when no event could be offered now, whatever its size. */
  get isFull(): boolean {
    return this.count >= this.maxCount;
  }

  /** Adds an event at the back; false (not added) when it would exceed a limit. */
  offer(body: string): boolean {
    if (this.count >= this.maxCount || this.chars + body.length > this.maxChars) return false;
    this.count++;
    this.chars += body.length;
    this.items.push({ body, attempts: 0 });
    return true;
  }

  /** The next event to send (retries first); it stays counted until released. */
  take(): QueuedEvent | undefined {
    return this.retries.shift() ?? this.takeMain();
  }

  /** Puts a taken event back, ahead of the main lane, for a retry. */
  putBack(item: QueuedEvent): void {
    this.retries.push(item);
  }

  /** Stops counting a taken event: it was delivered or dropped. */
  release(item: QueuedEvent): void {
    this.count--;
    this.chars -= item.body.length;
  }

  /** Takes and releases every waiting event (not those in flight); returns how many. */
  drain(): number {
    let n = 0;
    for (let item = this.take(); item !== undefined; item = this.take()) {
      this.release(item);
      n++;
    }
    return n;
  }

  private takeMain(): QueuedEvent | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact now and then so that the array does not grow without end (amortized O(1)).
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
