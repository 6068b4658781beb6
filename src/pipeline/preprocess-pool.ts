import { checkFrameInput, checkFramePixels, isEncodedFrame, type Frame, type FrameInput } from '../frame.js';
import { SmearscopeError } from '../errors.js';
import type { WorkerHost } from './worker-host.js';
import type { PreprocessWorkerApi } from './worker-api.js';
import type { FrameLimits } from '../api-types.js';
import type { PreparedFrame, PreprocessJob } from './preprocess-frame.js';
import { transfer } from 'comlink';
import { FrameBuffers, pixelsHandedOver } from './frame-buffers.js';
import { WorkerSlot } from './worker-slot.js';

type Slot = WorkerSlot<PreprocessWorkerApi>;

/** How long a replacement worker may take to start before frames are given to it anyway. */
const WORKER_START_MS = 60_000;

/**
 * N preprocess workers, each owning its kernels. `prepare` waits for a free worker; a worker that
 * crashes is replaced and the frame is retried once on the fresh worker; a worker that overruns a
 * frame's budget, or whose frame is aborted, is killed and replaced (the frame is not retried).
 */
export class PreprocessPool {
  private readonly slots: Slot[];
  private readonly idle: Slot[];
  private readonly waiting: Array<{ grant: (slot: Slot) => void; refuse: (error: SmearscopeError) => void }> = [];
  private readonly buffers: FrameBuffers;
  private closed = false;

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
   * Prepares one frame within `limits` (decode and preprocess each bounded). The frame's pixels are
   * copied into a recycled buffer that is transferred to the worker and back (the caller keeps its
   * frame, so a crash can be retried; see FrameBuffers); the patch tensor comes back transferred.
   * `crashAttempts` makes the first k attempts crash their worker: a test hook for failure isolation.
   * With `handOver` (AnalyzeOptions.transferFrames) the pixels' own buffer is transferred instead of
   * a copy (see FrameBuffers.pack); a crash then takes them along, so the frame is not retried.
   */
  async prepare(
    frame: FrameInput,
    job: PreprocessJob,
    limits: FrameLimits,
    signal?: AbortSignal,
    crashAttempts = 0,
    handOver = false,
  ): Promise<PreparedFrame> {
    checkFrameInput(frame);
    const label = frame.label ?? 'frame';
    if (!isEncodedFrame(frame)) checkFramePixels(label, frame.width, frame.height, limits.maxFramePixels);
    for (let attempt = 1; ; attempt++) {
      const slot = await this.acquire(signal);
      try {
        let input: Frame | 'decoded';
        let transfers: ArrayBuffer[] = [];
        if (isEncodedFrame(frame)) {
          await slot.call((remote) => remote.decode(frame, limits.maxFramePixels), {
            signal,
            timeoutMs: limits.decodeMs,
            timeoutError: () =>
              new SmearscopeError(
                'FRAME_TIMEOUT',
                `${label}: decoding took longer than ${limits.decodeMs} ms ` +
                  '(frameLimits.decodeMs); the file may be malformed (e.g. a looping TIFF); its worker was replaced',
              ),
          });
          input = 'decoded';
        } else {
          const packed = this.buffers.pack(frame, handOver);
          input = packed.frame as Frame;
          transfers = packed.transfer;
        }
        if (attempt <= crashAttempts) {
          // Mid-frame, as a real crash: the frame's pixels (the copy, or the handed-over buffer) go down with the worker.
          const sent = input;
          await slot.call(async (remote) => {
            await (sent === 'decoded' ? remote.crash() : remote.crash(transfer(sent, transfers)));
            return new Promise<never>(() => undefined); // the crash arrives through the slot
          });
        }
        const reply = await slot.call((remote) => remote.prepare(input === 'decoded' ? input : transfer(input, transfers), job), {
          signal,
          timeoutMs: limits.preprocessMs,
          timeoutError: () =>
            new SmearscopeError(
              'FRAME_TIMEOUT',
              `${label}: preprocessing took longer than ${limits.preprocessMs} ms ` + '(frameLimits.preprocessMs); its worker was replaced',
            ),
        });
        if (reply.prepared.patchSpec && reply.pixels) return { ...reply.prepared, framePixels: new Uint8Array(reply.pixels) };
        this.buffers.give(reply.pixels);
        return reply.prepared;
      } catch (error) {
        if (!(error instanceof SmearscopeError && error.code === 'WORKER_CRASHED') || this.closed) throw error;
        if (pixelsHandedOver(frame)) {
          throw new SmearscopeError(
            'WORKER_CRASHED',
            `preprocess worker crashed on this frame (${error.message}); its pixels were handed over (transferFrames), so it is not retried`,
          );
        }
        if (attempt >= 2) {
          throw new SmearscopeError(
            'WORKER_CRASHED',
            `preprocess worker crashed twice on this frame (${error.message}); the frame is skipped`,
          );
        }
      } finally {
        await this.releaseSlot(slot);
      }
    }
  }

  /** Takes back a frame buffer the stream is done with (planned batches: pixels back from the GPU). */
  recycle(buffer: ArrayBuffer): void {
    this.buffers.give(buffer);
  }

  /** Test hook: the next decode of every worker spins forever (see PreprocessWorkerApi). */
  async stallOnNextDecode(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.call((remote) => remote.stallOnNextDecode())));
  }

  /** Waits for an idle worker; a frame still waiting when `signal` aborts is dropped (ABORTED). */
  private acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.closed) return Promise.reject(new SmearscopeError('DISPOSED', 'the scope was disposed'));
    if (signal?.aborted) return Promise.reject(new SmearscopeError('ABORTED', 'frame dropped: analysis aborted'));
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new SmearscopeError('ABORTED', 'frame dropped: analysis aborted'));
      };
      const waiter = {
        grant: (granted: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(granted);
        },
        refuse: (error: SmearscopeError) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Hands the slot to the next frame, after replacing its worker if it died or was killed. */
  private async releaseSlot(slot: Slot): Promise<void> {
    if (this.closed) return;
    if (!slot.isAlive) {
      try {
        await slot.respawn();
      } catch (error) {
        if (this.closed) return; // disposed while the old worker was stopping: nothing to hand on
        throw error;
      }
      // A fresh worker's start-up (loading, kernels) must not count against the next frame's budget.
      await slot.call((remote) => remote.ready(), { timeoutMs: WORKER_START_MS }).catch(() => undefined);
    }
    const next = this.waiting.shift();
    if (next) next.grant(slot);
    else this.idle.push(slot);
  }

  /** Stops every worker (bounded: a stuck one is terminated, not waited for); frames still waiting
   * for a worker fail with DISPOSED. */
  async terminate(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.refuse(new SmearscopeError('DISPOSED', 'the scope was disposed'));
    await Promise.all(this.slots.map((slot) => slot.close()));
  }
}
