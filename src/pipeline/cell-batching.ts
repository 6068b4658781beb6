import type { FrameState } from './frame-state.js';

/** How long cells may wait for a fuller batch while the source is slow to give the next frame, ms. */
export const PARTIAL_BATCH_WAIT_MS = 30;

/** One cell waiting for the model: cell `cell` of a prepared frame (its patch is patch `cell`). */
export interface PendingCell {
  state: FrameState;
  cell: number;
}

/** What the scheduler knows about the frames still to come when fewer cells wait than a batch holds. */
export interface Upstream {
  /** Frames in the preprocess workers now: their cells will come. */
  preparing: number;
  /** The input has ended. */
  inputDone: boolean;
  /** The window of frames in flight is full: nothing is pulled until results are taken. */
  windowFull: boolean;
  /** When the source was asked for the next frame and has not answered yet (performance.now(), ms). */
  pullingSinceMs?: number;
}

/**
 * The partial-batch decision, in one place: send the waiting cells as a partial batch only when
 * no more cells are coming soon (nothing is being prepared, and the input has ended, the window is
 * full, or the source has kept us waiting PARTIAL_BATCH_WAIT_MS). Otherwise wait: for an event
 * (a frame prepared), or, when only a slow source can bring more, until `retryInMs` has passed.
 */
export function partialBatchDecision(upstream: Upstream, nowMs: number): { send: true } | { send: false; retryInMs?: number } {
  if (upstream.preparing > 0) return { send: false };
  if (upstream.inputDone || upstream.windowFull) return { send: true };
  if (upstream.pullingSinceMs === undefined) return { send: false }; // a pull is about to start
  const waitedMs = nowMs - upstream.pullingSinceMs;
  return waitedMs >= PARTIAL_BATCH_WAIT_MS ? { send: true } : { send: false, retryInMs: PARTIAL_BATCH_WAIT_MS - waitedMs };
}

/**
 * The cells of every prepared frame, in arrival order, waiting to be packed into batches across
 * frame boundaries. Cells of frames that failed meanwhile are dropped when taken.
 */
export class CellQueue {
  private cells: PendingCell[] = [];
  private head = 0;

  /** Cells waiting. */
  get waiting(): number {
    return this.cells.length - this.head;
  }

  /** Queues the first `count` cells of a prepared frame. */
  push(state: FrameState, count: number): void {
    for (let cell = 0; cell < count; cell++) this.cells.push({ state, cell });
  }

  /** Takes up to `batchSize` cells from the head; those of failed frames are left out. */
  take(batchSize: number): PendingCell[] {
    const count = Math.min(batchSize, this.waiting);
    const taken = this.cells.slice(this.head, this.head + count).filter((p) => !p.state.failed);
    this.head += count;
    // Drop taken cells from the array now and then: they hold their frames' patches.
    if (this.head >= 64) {
      this.cells.splice(0, this.head);
      this.head = 0;
    }
    return taken;
  }
}
