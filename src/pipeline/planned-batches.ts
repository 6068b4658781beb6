/// <reference types="@webgpu/types" />
import { SmearscopeError } from '../errors.js';
import type { Frame } from '../frame.js';
import type { KernelInstance } from '../kernels/load.js';
import { placeFrame } from '../kernels/resident-frame.js';
import type { BatchPlan } from '../patch/batch-plan.js';
import { createGpuPatchWriter, type GpuFrame, type GpuPatchWriter } from '../patch/gpu-patches.js';
import { writePatches } from '../patch/write-patches.js';
import type { BatchOutputs } from '../inference/backend.js';
import type { ClassifierSession } from '../inference/classifier-session.js';

/**
 * The inference worker's side of planned batches: the frames the stream sent, and the patches cut
 * from them for each batch. On a session bound to a GPU input buffer (webgpu in a browser) each
 * frame is uploaded once, its host pixels go back to the stream at once (so a batch that fails on a
 * lost device can be retried elsewhere), and the patches are written by a compute pass into the
 * bound buffer, which the session then runs: patches never exist on the CPU. A frame the GPU cannot
 * hold (over the device's buffer limits, or out of memory) stays on the host and its patches are
 * cut by this worker's own WASM kernels and written into the bound buffer. On any other session
 * every frame is handled that way (the fallback after a lost GPU device).
 */
export class PlannedBatches {
  private readonly gpuFrames = new Map<number, GpuFrame>();
  private readonly hostFrames = new Map<number, Frame>();
  private readonly writer: GpuPatchWriter | undefined;
  private hostBatch: Float32Array<ArrayBuffer> | undefined;
  /** Holds and releases in arrival order; a run waits for those before it (an upload checks its
   * errors asynchronously, and the run that follows it must find the frame). */
  private pending: Promise<unknown> = Promise.resolve();
  /** Largest frame uploaded, bytes: the device's storage-binding and buffer limits (a test lowers it). */
  maxGpuFrameBytes: number;

  constructor(
    private readonly session: ClassifierSession,
    private readonly inputFloats: number,
    private readonly kernels: () => Promise<KernelInstance>,
  ) {
    const gpu = session.gpuInput;
    this.writer = gpu ? createGpuPatchWriter(gpu.device) : undefined;
    this.maxGpuFrameBytes = gpu ? Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize) : 0;
  }

  /** Where the patches are cut: 'gpu' (compute pass into the session's input) or 'cpu'. */
  get patchesOn(): 'gpu' | 'cpu' {
    return this.writer ? 'gpu' : 'cpu';
  }

  /**
   * Keeps a frame for the planned batches that name it. Uploaded to the GPU, its host pixels are
   * returned (the caller transfers them back); kept on the host, they stay here until released.
   */
  hold(frameKey: number, frame: Frame): Promise<ArrayBuffer | undefined> {
    const held = this.pending.then(() => this.holdNow(frameKey, frame));
    this.pending = held.catch(() => undefined);
    return held;
  }

  private async holdNow(frameKey: number, frame: Frame): Promise<ArrayBuffer | undefined> {
    this.releaseNow([frameKey]);
    if (this.writer && frame.pixels.byteLength <= this.maxGpuFrameBytes) {
      const { device } = this.session.gpuInput!;
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      const uploaded = this.writer.upload(frame);
      const failed = (await device.popErrorScope()) ?? (await device.popErrorScope());
      if (!failed) {
        this.gpuFrames.set(frameKey, uploaded);
        return frame.pixels.buffer as ArrayBuffer;
      }
      uploaded.destroy();
    }
    this.hostFrames.set(frameKey, frame);
    return undefined;
  }

  /** Runs one planned batch on the frames held (after the holds sent before it). */
  async run(plan: BatchPlan): Promise<BatchOutputs> {
    await this.pending;
    return this.writer ? this.runOnGpu(plan, this.writer) : this.runOnCpu(plan);
  }

  /** Lets go of frames no batch needs any more (their cells are all classified, or they failed),
   * after any hold still in progress. */
  release(frameKeys: readonly number[]): void {
    this.pending = this.pending.then(() => this.releaseNow(frameKeys));
  }

  private releaseNow(frameKeys: readonly number[]): void {
    for (const key of frameKeys) {
      this.gpuFrames.get(key)?.destroy();
      this.gpuFrames.delete(key);
      this.hostFrames.delete(key);
    }
  }

  /** Frames held (GPU and host) once the holds and releases sent so far are done; for tests. */
  async framesHeld(): Promise<number> {
    await this.pending;
    return this.gpuFrames.size + this.hostFrames.size;
  }

  dispose(): void {
    this.releaseNow([...this.gpuFrames.keys(), ...this.hostFrames.keys()]);
  }

  private async runOnGpu(plan: BatchPlan, writer: GpuPatchWriter): Promise<BatchOutputs> {
    const { device, buffer, runBound } = this.session.gpuInput!;
    const slotFloats = this.inputFloats / this.session.batchSize;
    // Frames kept on the host: their patches cut here (into the reused host batch, at their own
    // slots), then written into those slots of the bound buffer.
    for (const segment of plan.segments) {
      if (this.gpuFrames.has(segment.frameKey)) continue;
      this.hostBatch ??= new Float32Array(this.inputFloats);
      await this.cutOnCpu(segment, this.hostBatch, segment.firstSlot);
      const first = segment.firstSlot * slotFloats;
      device.queue.writeBuffer(buffer, first * 4, this.hostBatch, first, segment.centres.length * slotFloats);
    }
    const passes: Array<{ afterSubmit(): void }> = [];
    device.pushErrorScope('validation');
    let thrown: unknown;
    try {
      const encoder = device.createCommandEncoder();
      for (const segment of plan.segments) {
        const frame = this.gpuFrames.get(segment.frameKey);
        if (frame) passes.push(writer.encode(encoder, frame, segment.centres, segment.spec, buffer, segment.firstSlot));
      }
      // Padding: the slots after the last cell are zeros (the buffer holds the previous batch).
      if (plan.cellCount < this.session.batchSize) {
        encoder.clearBuffer(buffer, plan.cellCount * slotFloats * 4, (this.session.batchSize - plan.cellCount) * slotFloats * 4);
      }
      // Submitted before the session's own work on the same queue, so the run reads these patches.
      device.queue.submit([encoder.finish()]);
    } catch (error) {
      thrown = error;
    }
    // Temporaries go and the error scope closes whether or not the encode threw.
    for (const pass of passes) pass.afterSubmit();
    const refused = await device.popErrorScope();
    if (thrown) throw thrown;
    // An invalid submit writes nothing: never run the model on the previous batch's input.
    if (refused) throw new SmearscopeError('INFERENCE_FAILED', `planned batch: the GPU refused the patch pass (${refused.message})`);
    return runBound();
  }

  private async runOnCpu(plan: BatchPlan): Promise<BatchOutputs> {
    this.hostBatch ??= new Float32Array(this.inputFloats);
    const batch = this.hostBatch;
    for (const segment of plan.segments) await this.cutOnCpu(segment, batch, segment.firstSlot);
    batch.fill(0, plan.cellCount * (this.inputFloats / this.session.batchSize));
    return this.session.run(batch);
  }

  /** One segment's patches cut by this worker's kernels from its host frame into `out` from `firstSlot`. */
  private async cutOnCpu(segment: BatchPlan['segments'][number], out: Float32Array, firstSlot: number): Promise<void> {
    const kernels = await this.kernels();
    const frame = this.held(this.hostFrames, segment.frameKey);
    const mark = kernels.memory.mark();
    try {
      writePatches(kernels, placeFrame(kernels, frame), segment.centres, segment.spec, out, firstSlot);
    } finally {
      kernels.memory.release(mark);
    }
  }

  private held<T>(frames: Map<number, T>, frameKey: number): T {
    const frame = frames.get(frameKey);
    if (!frame) {
      // The stream sends every frame before its first planned batch; a miss is a protocol bug.
      throw new SmearscopeError('INFERENCE_FAILED', `planned batch: frame ${frameKey} was never sent to this inference worker`);
    }
    return frame;
  }
}
