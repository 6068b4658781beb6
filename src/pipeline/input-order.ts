/**
 * Frames finish in any order (workers and batches overlap); their results leave in input order.
 * Holds the finished results that wait for an earlier frame.
 */
export class InputOrder<T> {
  private readonly finished = new Map<number, T>();
  private nextIndex = 0;

  /** How many results have left so far (the index of the next one to leave). */
  get emitted(): number {
    return this.nextIndex;
  }

  /** Files the result of frame `index`. */
  put(index: number, result: T): void {
    this.finished.set(index, result);
  }

  /** The next result, if it has finished; it leaves the buffer. */
  takeNext(): T | undefined {
    const result = this.finished.get(this.nextIndex);
    if (result === undefined) return undefined;
    this.finished.delete(this.nextIndex);
    this.nextIndex++;
    return result;
  }
}
