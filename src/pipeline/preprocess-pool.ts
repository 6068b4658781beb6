import type { FrameInput } from '../frame.js';
import { SmearscopeError } from '../errors.js';
import type { WorkerHost } from './worker-host.js';
import type { PreparedFrame, PreprocessJob } from './preprocess-frame.js';
import type { PreprocessWorkerApi } from './worker-api.js';
import { transfer } from 'comlink';
import { FrameBuffers } from './frame-buffers.js';
import { WorkerSlot } from './worker-slot.js';

/**
 * N preprocess workers, each owning its kernels. `prepare` waits for a free worker; a worker that
 * crashes is replaced and the frame is retried once on the fresh worker.
 */
export class PreprocessPool {
  private readonly slots: WorkerSlot<PreprocessWorkerApi>[];
  private readonly idle: WorkerSlot<PreprocessWorkerApi>[];
  private readonly waiting: Array<(slot: WorkerSlot<PreprocessWorkerApi>) => void> = [];
  private readonly buffers: FrameBuffers;

  constructor(platform: WorkerHost, workerCount: number) {
    if (!Number.isInteger(workerCount) || workerCount < 1) {
      throw new SmearscopeError('INVALID_ARGUMENT', `workers must be a positive integer, got ${workerCount}`);
    }
    this.slots = Array.from({ length: workerCount }, () => new WorkerSlot<PreprocessWorkerApi>(platform, 'preprocess'));
    this.idle = [...this.slots];
    this.buffers = new FrameBuffers(workerCount + 1);
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Prepares one frame. The frame's pixels are copied into a recycled buffer that is transferred to
   * the worker and back (the caller keeps its frame, so a crash can be retried; see FrameBuffers);
   * the patch tensor comes back transferred.
   * `crashAttempts` makes the first k attempts crash their worker: a test hook for failure isolation.
   */
  async prepare(frame: FrameInput, job: PreprocessJob, signal?: AbortSignal, crashAttempts = 0): Promise<PreparedFrame> {
    for (let attempt = 1; ; attempt++) {
      const slot = await this.acquire(signal);
      try {
        if (attempt <= crashAttempts) {
          await slot.call(async (remote) => {
            await remote.crash();
            return new Promise<never>(() => undefined); // the crash arrives through the slot
          });
        }
        const packed = this.buffers.pack(frame);
        const reply = await slot.call((remote) => remote.prepare(transfer(packed.frame, packed.transfer), job));
        this.buffers.give(reply.pixels);
        return reply.prepared;
      } catch (error) {
        if (!(error instanceof SmearscopeError && error.code === 'WORKER_CRASHED')) throw error;
        await slot.respawn();
        if (attempt >= 2) {
          throw new SmearscopeError('WORKER_CRASHED', `preprocess worker crashed twice on this frame (${error.message}); the frame is skipped`);
        }
      } finally {
        this.releaseSlot(slot);
      }
    }
  }

  /** Waits for an idle worker; a frame still waiting when `signal` aborts is dropped (ABORTED). */
  private acquire(signal?: AbortSignal): Promise<WorkerSlot<PreprocessWorkerApi>> {
    if (signal?.aborted) return Promise.reject(new SmearscopeError('ABORTED', 'frame dropped: analysis aborted'));
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new SmearscopeError('ABORTED', 'frame dropped: analysis aborted'));
      };
      const grant = (granted: WorkerSlot<PreprocessWorkerApi>) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(granted);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private releaseSlot(slot: WorkerSlot<PreprocessWorkerApi>): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  async terminate(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.terminate()));
  }
}
