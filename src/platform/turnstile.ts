/**
 * Lets waiting callers through one per turn of the event loop. A burst of expensive work (a
 * hundred reports arriving together, or a batch of them committed at once) then takes turns with
 * everything else the process serves, instead of holding the loop until the whole burst is done:
 * a public page requested meanwhile waits for one item, not for the burst.
 */
export class Turnstile {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn = 1) {}

  /** Resolves on a later turn of the event loop, in arrival order. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.next);
      }
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  private readonly next = (): void => {
    // An immediate set while immediates run waits for the next turn, after pending I/O is polled.
    for (let i = 0; i < this.perTurn; i++) this.waiting.shift()?.();
    if (this.waiting.length > 0) setImmediate(this.next);
    else this.scheduled = false;
  };
}
