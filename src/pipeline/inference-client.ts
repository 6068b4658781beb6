import { transfer } from 'comlink';
import { SmearscopeError } from '../errors.js';
import type { BackendName, BatchOutputs } from '../inference/backend.js';
import type { WorkerHost } from './worker-host.js';
import type { InferenceInit, InferenceWorkerApi } from './worker-api.js';
import { WorkerSlot } from './worker-slot.js';

/**
 * The main thread's handle on the inference worker. Batch buffers cycle between here and the
 * worker (transferred both ways, never reallocated in steady state). A crashed worker is
 * re-created and the batch refilled and retried once; a lost WebGPU device falls back to wasm.
 * Both are recorded in `events`.
 */
export class InferenceClient {
  private readonly slot: WorkerSlot<InferenceWorkerApi>;
  private init: InferenceInit;
  private readonly freeBatches: Float32Array[] = [];
  private readonly batchFloats: number;
  backend: BackendName = 'wasm';
  reason = '';
  notes: string[] = [];
  /** Backend changes and worker restarts, in order, for the report. */
  readonly events: string[] = [];
  /** Batches in flight in the worker. */
  inFlight = 0;

  private constructor(platform: WorkerHost, init: InferenceInit) {
    this.slot = new WorkerSlot<InferenceWorkerApi>(platform, 'inference');
    this.init = init;
    this.batchFloats = init.batchSize * 3 * init.card.input.width * init.card.input.height;
  }

  static async open(platform: WorkerHost, init: InferenceInit): Promise<InferenceClient> {
    const client = new InferenceClient(platform, init);
    try {
      await client.initialize();
    } catch (error) {
      await client.slot.terminate();
      throw error;
    }
    return client;
  }

  private async initialize(): Promise<void> {
    // The model bytes are copied, not transferred: a respawned worker needs them again.
    const opened = await this.slot.call((remote) => remote.init(this.init));
    this.backend = opened.backend;
    this.reason = opened.reason;
    this.notes = opened.notes;
  }

  /**
   * Runs one batch: `fill` writes the patches into a [batchSize, 3, H, W] buffer (zeros beyond the
   * cells it has are the caller's to write: the buffer may hold an older batch). The outputs belong
   * to the caller.
   */
  async run(fill: (batch: Float32Array) => void): Promise<BatchOutputs> {
    this.inFlight++;
    try {
      try {
        return await this.runOnce(fill);
      } catch (error) {
        if (!(error instanceof SmearscopeError)) throw error;
        if (error.code === 'WORKER_CRASHED') {
          this.events.push(`inference worker crashed (${error.message}); restarted it and retried the batch`);
          await this.slot.respawn();
          await this.initialize();
        } else if (error.code === 'BACKEND_UNAVAILABLE' && this.backend === 'webgpu') {
          this.events.push(`${error.message}: fell back to wasm`);
          this.init = { ...this.init, backend: 'wasm' };
          await this.initialize();
        } else {
          throw error;
        }
        return await this.runOnce(fill);
      }
    } finally {
      this.inFlight--;
    }
  }

  private async runOnce(fill: (batch: Float32Array) => void): Promise<BatchOutputs> {
    const batch = this.freeBatches.pop() ?? new Float32Array(this.batchFloats);
    fill(batch);
    const { outputs, batch: returned } = await this.slot.call((remote) => remote.run(transfer(batch, [batch.buffer])));
    this.freeBatches.push(returned);
    return outputs;
  }

  /** Test hook: the worker dies during the next batch. */
  crashOnNextRun(): Promise<void> {
    return this.slot.call((remote) => remote.crashOnNextRun());
  }

  /** Test hook: destroys the WebGPU device under the session. */
  loseDevice(): Promise<boolean> {
    return this.slot.call((remote) => remote.loseDevice());
  }

  async dispose(): Promise<void> {
    if (this.slot.isAlive) await this.slot.call((remote) => remote.dispose()).catch(() => undefined);
    await this.slot.terminate();
  }
}
