/// <reference types="@webgpu/types" />
import { SmearscopeError } from '../errors.js';
import type { Frame } from '../frame.js';
import type { KernelInstance } from '../kernels/load.js';
import { placeFrame } from '../kernels/resident-frame.js';
import type { BatchPlan } from '../patch/batch-plan.js';
import { createGpuPatchWriter, type GpuFrame, type GpuPatchWriter } from '../patch/gpu-patches.js';
import { floatsPerPatch, writePatches } from '../patch/write-patches.js';
import type { BatchOutputs, ClassifierSession } from '../inference/backend.js';

/**
 * The inference worker's side of planned batches: the frames the stream sent, and the patches cut
 * from them for each batch. On a session bound to a GPU input buffer (webgpu in a browser) each
 * frame is uploaded once, its host pixels go back to the stream at once (so a batch that fails on a
 * lost device can be retried elsewhere), and the patches are written
 * by a compute pass into the bound buffer, which the session then runs: patches never exist on the
 * CPU. On any other session the frames stay here on the host and the patches are cut by this
 * worker's own WASM kernels (the fallback after a lost GPU device).
 */
export class PlannedBatches {
  private readonly gpuFrames = new Map<number, GpuFrame>();
  private readonly hostFrames = new Map<number, Frame>();
  private readonly writer: GpuPatchWriter | undefined;
  private hostBatch: Float32Array | undefined;

  constructor(
    private readonly session: ClassifierSession,
    private readonly inputFloats: number,
    private readonly kernels: () => Promise<KernelInstance>,
  ) {
    this.writer = session.gpuInput ? createGpuPatchWriter(session.gpuInput.device) : undefined;
  }

  /** Where the patches are cut: 'gpu' (compute pass into the session's input) or 'cpu'. */
  get patchesOn(): 'gpu' | 'cpu' {
    return this.writer ? 'gpu' : 'cpu';
  }

  /**
   * Keeps a frame for the planned batches that name it. On the GPU it is uploaded and its host
   * pixels are returned (the caller transfers them back); on the CPU they stay here until released.
   */
  hold(frameKey: number, frame: Frame): ArrayBuffer | undefined {
    this.release([frameKey]);
    if (!this.writer) {
      this.hostFrames.set(frameKey, frame);
      return undefined;
    }
    this.gpuFrames.set(frameKey, this.writer.upload(frame));
    return frame.pixels.buffer as ArrayBuffer;
  }

  /** Runs one planned batch on the frames held. */
  run(plan: BatchPlan): Promise<BatchOutputs> {
    return this.writer ? this.runOnGpu(plan, this.writer) : this.runOnCpu(plan);
  }

  /** Lets go of frames no batch needs any more (their cells are all classified, or they failed). */
  release(frameKeys: readonly number[]): void {
    for (const key of frameKeys) {
      this.gpuFrames.get(key)?.destroy();
      this.gpuFrames.delete(key);
      this.hostFrames.delete(key);
    }
  }

  /** Frames held (GPU and host), for tests of the release protocol. */
  get framesHeld(): number {
    return this.gpuFrames.size + this.hostFrames.size;
  }

  dispose(): void {
    this.release([...this.gpuFrames.keys(), ...this.hostFrames.keys()]);
  }

  private async runOnGpu(plan: BatchPlan, writer: GpuPatchWriter): Promise<BatchOutputs> {
    const { device, buffer, runBound } = this.session.gpuInput!;
    const encoder = device.createCommandEncoder();
    const passes = plan.segments.map((segment) =>
      writer.encode(encoder, this.held(this.gpuFrames, segment.frameKey), segment.centres, segment.spec, buffer, segment.firstSlot),
    );
    // Padding: the slots after the last cell are zeros (the buffer holds the previous batch).
    const slotBytes = (this.inputFloats / this.session.batchSize) * 4;
    if (plan.cellCount < this.session.batchSize) {
      encoder.clearBuffer(buffer, plan.cellCount * slotBytes, (this.session.batchSize - plan.cellCount) * slotBytes);
    }
    // Submitted before the session's own work on the same queue, so the run reads these patches.
    device.queue.submit([encoder.finish()]);
    for (const pass of passes) pass.afterSubmit();
    return runBound();
  }

  private async runOnCpu(plan: BatchPlan): Promise<BatchOutputs> {
    const kernels = await this.kernels();
    this.hostBatch ??= new Float32Array(this.inputFloats);
    const batch = this.hostBatch;
    for (const segment of plan.segments) {
      const frame = this.held(this.hostFrames, segment.frameKey);
      const mark = kernels.memory.mark();
      try {
        writePatches(kernels, placeFrame(kernels, frame), segment.centres, segment.spec, batch, segment.firstSlot);
      } finally {
        kernels.memory.release(mark);
      }
    }
    const first = plan.segments[0];
    const slotFloats = first ? floatsPerPatch(first.spec) : this.inputFloats / this.session.batchSize;
    batch.fill(0, plan.cellCount * slotFloats);
    return this.session.run(batch);
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
