import { transfer } from 'comlink';
import { SmearscopeError } from '../errors.js';
import type { BackendName, BatchOutputs } from '../inference/backend.js';
import type { Dtype } from '../inference/dtype.js';
import type { InferenceHost } from '../inference/host.js';
import type { WorkerHost } from './worker-host.js';
import type { Frame } from '../frame.js';
import type { BatchPlan } from '../patch/batch-plan.js';
import type { InferenceInit, InferenceWorkerApi } from './worker-api.js';
import { settleWithin, WorkerSlot } from './worker-slot.js';

/** Batches started by every client of this thread: orders InferenceClient.lastBatch. */
let batchesStarted = 0;

/** Attempts of one batch when the worker dies under it (each after a restart). */
const MAX_BATCH_ATTEMPTS = 3;
/** Attempts at bringing up a new worker and session in one restart. */
const MAX_RESTART_ATTEMPTS = 3;
/** How long dispose() waits for the session to close before terminating the worker. */
const DISPOSE_WAIT_MS = 2000;

/**
 * The main thread's handle on the inference worker. Batch buffers cycle between here and the
 * worker (transferred both ways, never reallocated in steady state). A crashed worker is
 * re-created once, however many batches saw it die; batches wait until the new session is ready
 * and are then retried (up to MAX_BATCH_ATTEMPTS), so a crash loses no frame. A batch over
 * `inferenceMs` fails with FRAME_TIMEOUT and its worker is replaced. A lost WebGPU device falls
 * back to wasm. Restarts and fallbacks are recorded in `events`.
 */
export class InferenceClient {
  private readonly slot: WorkerSlot<InferenceWorkerApi>;
  private init: InferenceInit;
  private readonly freeBatches: Float32Array[] = [];
  private readonly batchFloats: number;
  /** Counts worker (re)starts: a batch that saw generation g die restarts only if no one has yet. */
  private generation = 0;
  /** The restart in progress; every batch waits for it before going to the worker. */
  private restarting: Promise<void> | undefined;
  backend: BackendName = 'wasm';
  dtype: Dtype = 'fp32';
  reason = '';
  notes: string[] = [];
  /** The session's input is bound to a GPU buffer: planned batches have their patches cut there. */
  gpuInput = false;
  /** ONNX Runtime's intra-op CPU threads of the session. */
  threads = 1;
  /** The ONNX Runtime that runs the session (ClassifierSession.runtime). */
  runtime = '';
  /** Batches in flight in the worker. */
  inFlight = 0;
  /** Batches this client has answered (retries of one batch count once). */
  batchesDone = 0;
  /** When this client's last batch started, in batches of every client (nextSession's tie-break). */
  lastBatch = 0;

  private constructor(
    platform: WorkerHost & Pick<InferenceHost, 'candidateBackends'>,
    init: InferenceInit,
    private readonly inferenceMs: number,
    readonly events: string[],
  ) {
    // onnxruntime-node: a thread must not be terminated inside a native run (see WorkerSlot).
    const native = () =>
      this.init.backend === 'native' || (this.init.backend === 'auto' && platform.candidateBackends().includes('native'));
    this.slot = new WorkerSlot<InferenceWorkerApi>(platform, 'inference', native);
    // The worker gets assetsPath absolute: relative, it would resolve it against its own URL.
    this.init = platform.assetsUrl ? { ...init, assetsPath: platform.assetsUrl } : init;
    this.batchFloats = init.batchSize * 3 * init.card.input.width * init.card.input.height;
  }

  /** Starts the worker and its session. `events` (backend changes, restarts) is appended to. */
  static async open(
    platform: WorkerHost & Pick<InferenceHost, 'candidateBackends'>,
    init: InferenceInit,
    inferenceMs: number,
    events: string[],
  ): Promise<InferenceClient> {
    const client = new InferenceClient(platform, init, inferenceMs, events);
    try {
      await client.initialize();
    } catch (error) {
      await client.slot.close();
      throw error;
    }
    return client;
  }

  private async initialize(): Promise<void> {
    // The model bytes are copied, not transferred: a respawned worker needs them again.
    const opened = await this.slot.call((remote) => remote.init(this.init));
    this.backend = opened.backend;
    this.dtype = opened.dtype;
    this.reason = opened.reason;
    this.notes = opened.notes;
    this.gpuInput = opened.gpuInput;
    this.threads = opened.threads;
    this.runtime = opened.runtime;
  }

  private frameKeys = 0;

  /** A key for a frame of planned batches, unique across the client's streams (they may run at once). */
  newFrameKey(): number {
    return this.frameKeys++;
  }

  /** Counts worker (re)starts: frames sent to worker generation g are gone once it is replaced. */
  get workerGeneration(): number {
    return this.generation;
  }

  /**
   * Runs one batch: `fill` writes the patches into a [batchSize, 3, H, W] buffer (zeros beyond the
   * cells it has are the caller's to write: the buffer may hold an older batch). `fill` may be
   * called again for a retry. The outputs belong to the caller.
   */
  run(fill: (batch: Float32Array) => void): Promise<BatchOutputs> {
    return this.withRetries(() => this.runOnce(fill));
  }

  /**
   * Runs one planned batch (src/patch/batch-plan.ts). `plan(generation)` describes it for the
   * worker generation it goes to, after sending that generation the frames it lacks (holdFrame); it
   * is called again for a retry.
   */
  runPlanned(plan: (generation: number) => BatchPlan): Promise<BatchOutputs> {
    return this.withRetries(async () => {
      const described = plan(this.generation);
      return (await this.slot.call((remote) => remote.runPlanned(described), this.batchLimits())).outputs;
    });
  }

  /**
   * Sends a frame to the worker for planned batches (its pixels transferred, the frame's own buffer).
   * `onReturn` gets the pixels back when the worker has put the frame on its GPU, or when they were
   * never posted. Sent in order before any batch planned after it; a failure here surfaces in that
   * batch. Throws WORKER_CRASHED, sending nothing, when the worker is not running.
   */
  holdFrame(frameKey: number, frame: Frame, onReturn: (pixels: ArrayBuffer) => void): void {
    // A worker that died idle: nothing may be sent (the pixels stay with the stream); the batch's
    // retry restarts the worker and sends the frame again.
    if (!this.slot.isAlive) throw new SmearscopeError('WORKER_CRASHED', 'inference worker is not running');
    const buffer = frame.pixels.buffer as ArrayBuffer;
    this.slot
      .call((remote) => remote.holdFrame(frameKey, transfer(frame, [buffer])))
      .then((reply) => reply.pixels && onReturn(reply.pixels))
      .catch(() => {
        if (buffer.byteLength > 0) onReturn(buffer); // never posted: still ours
      });
  }

  /** Tells the worker it may let go of frames of planned batches; a dead worker has none to free. */
  releaseFrames(frameKeys: number[]): void {
    if (frameKeys.length === 0 || !this.slot.isAlive || this.restarting) return;
    this.slot.call((remote) => remote.releaseFrames(frameKeys)).catch(() => undefined);
  }

  /** A batch with the client's recovery: crash -> restart and retry, timeout -> fail and replace,
   * lost GPU device -> wasm and retry. */
  private async withRetries<T>(once: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.lastBatch = ++batchesStarted;
    try {
      for (let attempt = 1; ; attempt++) {
        while (this.restarting) await this.restarting; // hold the batch until the new session is ready
        const generation = this.generation;
        try {
          const result = await once();
          this.batchesDone++;
          return result;
        } catch (error) {
          if (!(error instanceof SmearscopeError) || attempt >= MAX_BATCH_ATTEMPTS) throw error;
          if (error.code === 'WORKER_CRASHED') {
            await this.restart(generation, `inference worker crashed (${error.message}); restarted it and retried the batch`);
          } else if (error.code === 'FRAME_TIMEOUT') {
            // This batch fails; the worker it overran is replaced for the batches after it.
            this.restart(generation, `${error.message}; restarted the inference worker`).catch(() => undefined);
            throw error;
          } else if (error.code === 'BACKEND_UNAVAILABLE' && this.backend === 'webgpu') {
            this.init = { ...this.init, backend: 'wasm' };
            await this.restart(generation, `${error.message}: fell back to wasm`);
          } else {
            throw error;
          }
        }
      }
    } finally {
      this.inFlight--;
    }
  }

  /** One restart for all the batches that saw worker generation `generation` fail. */
  private restart(generation: number, event: string): Promise<void> {
    if (generation !== this.generation) return this.restarting ?? Promise.resolve();
    this.generation++;
    this.events.push(event);
    this.restarting = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.slot.respawn();
          await this.initialize();
          return;
        } catch (error) {
          // Killed again while loading the model: try once more with a fresh worker.
          if (attempt >= MAX_RESTART_ATTEMPTS || !(error instanceof SmearscopeError && error.code === 'WORKER_CRASHED')) throw error;
        }
      }
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async runOnce(fill: (batch: Float32Array) => void): Promise<BatchOutputs> {
    const batch = this.freeBatches.pop() ?? new Float32Array(this.batchFloats);
    fill(batch);
    const { outputs, batch: returned } = await this.slot.call((remote) => remote.run(transfer(batch, [batch.buffer])), this.batchLimits());
    this.freeBatches.push(returned);
    return outputs;
  }

  private batchLimits() {
    return {
      timeoutMs: this.inferenceMs,
      timeoutError: () =>
        new SmearscopeError('FRAME_TIMEOUT', `an inference batch took longer than ${this.inferenceMs} ms (frameLimits.inferenceMs)`),
    };
  }

  /** Test hook: frames over `bytes` stay on the host (as over the GPU's buffer limits). */
  limitGpuFrameBytes(bytes: number): Promise<void> {
    return this.slot.call((remote) => remote.limitGpuFrameBytes(bytes));
  }

  /** Test hook: frames of planned batches the worker holds. */
  framesHeld(): Promise<number> {
    return this.slot.call((remote) => remote.framesHeld());
  }

  /** Test hook: the worker dies during the next batch. */
  crashOnNextRun(): Promise<void> {
    return this.slot.call((remote) => remote.crashOnNextRun());
  }

  /** Test hook: the next batch spins in the worker forever (until the worker is terminated). */
  stallOnNextRun(): Promise<void> {
    return this.slot.call((remote) => remote.stallOnNextRun());
  }

  /** Test hook: kills the worker now, wherever it is (as the OS would on out-of-memory). */
  kill(): void {
    this.slot.kill(new SmearscopeError('WORKER_CRASHED', 'inference worker killed'));
  }

  /** Test hook: destroys the WebGPU device under the session. */
  loseDevice(): Promise<boolean> {
    return this.slot.call((remote) => remote.loseDevice());
  }

  /** Closes the session and stops the worker, in bounded time even when the worker is stuck. */
  async dispose(): Promise<void> {
    if (this.slot.isAlive)
      await settleWithin(
        this.slot.call((remote) => remote.dispose()),
        DISPOSE_WAIT_MS,
      );
    await this.slot.close();
  }
}
