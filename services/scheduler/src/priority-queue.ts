/**
 * Items waiting their turn: lowest priority number first, first in first
 * out among equal priorities (what REAPI's ExecutionPolicy.priority asks:
 * lower runs sooner). A sorted array: the queue holds at most a build's
 * worth of waiting actions (hundreds), where a binary search and a splice
 * beat a heap and keep removal of an abandoned item simple.
 */
export class PriorityQueue<T> {
  readonly #entries: { readonly item: T; readonly priority: number; readonly seq: number }[] = [];
  #seq = 0;

  /** Items waiting. */
  get size(): number {
    return this.#entries.length;
  }

  /** Adds `item` behind every item of lower or equal priority number. */
  push(item: T, priority: number): void {
    const entry = { item, priority, seq: this.#seq++ };
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#entries[mid]!.priority <= priority) low = mid + 1;
      else high = mid;
    }
    this.#entries.splice(low, 0, entry);
  }

  /** Removes and returns the next item; undefined when empty. */
  shift(): T | undefined {
    return this.#entries.shift()?.item;
  }

  /** Removes `item` (compared with ===); false when it was not waiting. */
  remove(item: T): boolean {
    const index = this.#entries.findIndex((entry) => entry.item === item);
    if (index < 0) return false;
    this.#entries.splice(index, 1);
    return true;
  }

  /** Removes and returns every item, in queue order. */
  drain(): T[] {
    return this.#entries.splice(0).map((entry) => entry.item);
  }
}
