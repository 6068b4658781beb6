import {
  checkFrameInput,
  checkFramePixels,
  encodedFrameHeader,
  frameHeader,
  isEncodedFrame,
  isWriterFrame,
  writePixelsFailure,
  type Frame,
  type FrameInput,
  type WriterFrame,
} from '../frame.js';
import { SmearscopeError } from '../errors.js';
import type { WorkerHost } from './worker-host.js';
import type { PreprocessWorkerApi } from './worker-api.js';
import type { FrameLimits } from '../api-types.js';
import type { PreparedFrame, PreprocessJob } from './preprocess-frame.js';
import { transfer } from 'comlink';
import { FrameBuffers, pixelsHandedOver } from './frame-buffers.js';
import { inboxTarget, writeFrameInbox, type FrameInbox } from './frame-inbox.js';
import type { InboxFrame } from '../kernels/resident-frame.js';
import { WorkerSlot } from './worker-slot.js';

/** Width and height of a decoded frame, pixels. */
interface FrameSize {
  width: number;
  height: number;
}

/** The decoded size of encoded frames whose preparation failed after decoding, by the error thrown. */
const DECODED_SIZES = new WeakMap<object, FrameSize>();

/** The size an encoded frame was decoded at before `error` failed it, if it got that far. */
export function decodedSizeOf(error: unknown): FrameSize | undefined {
  return typeof error === 'object' && error !== null ? DECODED_SIZES.get(error) : undefined;
}

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
  /** Each live worker's inbox, asked once per worker (null: its memory is not shared). */
  private readonly inboxes = new Map<Slot, FrameInbox | null>();
  /** Frames of pixels handed to workers so far: copied into their kernel memory (inbox), copied into
   * a transfer buffer (or transferred), or written by their source where the pool asked (WriterFrame). */
  readonly handoffs = { inbox: 0, copied: 0, written: 0 };
  /** Write frames into workers' kernel memory where it is shared (a test hook turns it off). */
  useInbox = true;
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
   * Prepares one frame within `limits` (decode and preprocess each bounded). Where the worker's
   * kernel memory is shared, the frame's pixels are written straight into it (its inbox: one copy,
   * here); else they are copied into a recycled buffer that is transferred to the worker and back,
   * and the worker copies them into its kernel memory (see FrameBuffers). Either way the caller keeps
   * its frame, so a crash can be retried. The patch tensor comes back transferred.
   * `crashAttempts` makes the first k attempts crash their worker: a test hook for failure isolation.
   * With `handOver` (AnalyzeOptions.transferFrames) the pixels' own buffer is transferred instead of
   * a copy (see FrameBuffers.pack); a crash then takes them along, so the frame is not retried.
   * A WriterFrame writes its pixels itself, into the inbox or else a recycled buffer (no copy here),
   * once per attempt.
   */
  async prepare(
    frame: FrameInput,
    job: PreprocessJob,
    limits: FrameLimits,
    signal?: AbortSignal,
    crashAttempts = 0,
    handOver = false,
  ): Promise<PreparedFrame> {
    let decoded: FrameSize | undefined;
    try {
      return await this.prepareAttempts(frame, job, limits, signal, crashAttempts, handOver, (size) => (decoded = size));
    } catch (error) {
      // An encoded frame that failed after decoding still has a size to report (decodedSizeOf).
      if (decoded && typeof error === 'object' && error !== null) DECODED_SIZES.set(error, decoded);
      throw error;
    }
  }

  private async prepareAttempts(
    frame: FrameInput,
    job: PreprocessJob,
    limits: FrameLimits,
    signal: AbortSignal | undefined,
    crashAttempts: number,
    handOver: boolean,
    onDecoded: (size: FrameSize) => void,
  ): Promise<PreparedFrame> {
    checkFrameInput(frame);
    const label = frame.label ?? 'frame';
    if (!isEncodedFrame(frame)) checkFramePixels(label, frame.width, frame.height, limits.maxFramePixels);
    for (let attempt = 1; ; attempt++) {
      const slot = await this.acquire(signal);
      try {
        let input: Frame | InboxFrame | 'decoded';
        let transfers: ArrayBuffer[] = [];
        if (isEncodedFrame(frame)) {
          const size = await slot.call((remote) => remote.decode(encodedFrameHeader(frame), limits.maxFramePixels), {
            signal,
            timeoutMs: limits.decodeMs,
            timeoutError: () =>
              new SmearscopeError(
                'FRAME_TIMEOUT',
                `${label}: decoding took longer than ${limits.decodeMs} ms ` +
                  '(frameLimits.decodeMs); the file may be malformed (e.g. a looping TIFF); its worker was replaced',
              ),
          });
          onDecoded(size);
          input = 'decoded';
        } else if (isWriterFrame(frame)) {
          input = await this.written(slot, frame, job, limits, label, signal);
          transfers = 'pixels' in input ? [input.pixels.buffer as ArrayBuffer] : [];
          this.handoffs.written++;
        } else {
          // Not with transferFrames (the pixels go without a copy here) nor deferred patches (they travel on).
          const inbox = !handOver && !job.deferPatches ? await this.inboxOf(slot) : null;
          if (inbox && writeFrameInbox(inbox, frame.pixels)) {
            input = { ...frameHeader(frame), inboxPtr: inbox.ptr };
            this.handoffs.inbox++;
          } else {
            const packed = this.buffers.pack(frame, handOver);
            input = packed.frame as Frame;
            transfers = packed.transfer;
            this.handoffs.copied++;
          }
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

  /**
   * Lets a WriterFrame write its pixels: into the worker's inbox where its memory is shared (not
   * with deferred patches: their pixels travel on), else into a recycled buffer sent with the frame.
   * A promise it returns is bounded by `limits.decodeMs` (a synchronous writer holds this thread
   * until it returns). A writer that fails, overruns or is aborted may still be writing (a rejected
   * promise can leave reads in flight), so an inbox's worker is killed (replaced on release) and a
   * lent buffer is not recycled: no late write can reach another frame's pixels.
   */
  private async written(
    slot: Slot,
    frame: WriterFrame,
    job: PreprocessJob,
    limits: FrameLimits,
    label: string,
    signal?: AbortSignal,
  ): Promise<Frame | InboxFrame> {
    const byteLength = frame.width * frame.height * frame.channels;
    const inbox = job.deferPatches ? null : await this.inboxOf(slot);
    if (signal?.aborted) throw new SmearscopeError('ABORTED', 'frame dropped: analysis aborted');
    const inInbox = inbox ? inboxTarget(inbox, byteLength) : null;
    const target = inInbox ?? this.buffers.lend(byteLength);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new SmearscopeError(
                'FRAME_TIMEOUT',
                `${label}: writePixels took longer than ${limits.decodeMs} ms (frameLimits.decodeMs); ` +
                  'the frame is skipped and the memory it was writing into is given up',
              ),
            ),
          limits.decodeMs,
        );
        // A hung writer must not keep a Node process alive after dispose().
        (timer as { unref?: () => void }).unref?.();
        onAbort = () => reject(new SmearscopeError('ABORTED', 'frame dropped: analysis aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        Promise.resolve()
          .then(() => frame.writePixels(target))
          .then(
            () => resolve(),
            (error: unknown) => reject(writePixelsFailure(label, error)),
          );
      });
    } catch (error) {
      if (inInbox) slot.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    const header = frameHeader(frame);
    return inInbox ? { ...header, inboxPtr: inbox!.ptr } : { ...header, pixels: target };
  }

  /** The worker's inbox (asked once per worker); null where its kernel memory is not shared. */
  private async inboxOf(slot: Slot): Promise<FrameInbox | null> {
    if (!this.useInbox) return null;
    let inbox = this.inboxes.get(slot);
    if (inbox === undefined) {
      inbox = (await slot.call((remote) => remote.inbox(), { timeoutMs: WORKER_START_MS })) ?? null;
      this.inboxes.set(slot, inbox);
    }
    return inbox;
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
      this.inboxes.delete(slot); // the fresh worker has a memory of its own
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
