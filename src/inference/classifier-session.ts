/// <reference types="@webgpu/types" />
// Apart from backend.ts: the public types (api-types.ts) import backend names from there, and a
// consumer's compiler must not meet WebGPU's global types (GPUDevice) without @webgpu/types.
import type { BackendName, BatchOutputs } from './backend.js';
import type { Dtype } from './dtype.js';

/**
 * One ONNX Runtime session behind one small interface. Runs are queued by the caller, never
 * concurrent; every run takes exactly `batchSize` patches (static shapes: the caller pads).
 */
export interface ClassifierSession {
  readonly backend: BackendName;
  readonly batchSize: number;
  /** The graph running: the card's float32 graph or its float16 variant (float32 in and out either way). */
  readonly dtype: Dtype;
  /** What the session decided while setting up (graph capture dropped, threads, ...). */
  readonly notes: string[];
  /** The ONNX Runtime that runs it, e.g. "onnxruntime-web 1.30.0 (webgpu build, native WebGPU EP)". */
  readonly runtime: string;
  /** ONNX Runtime's intra-op CPU threads (on webgpu: those of the kernels it leaves on the CPU). */
  readonly threads: number;
  /** `input` is [batchSize, 3, H, W] float32; it is only read. */
  run(input: Float32Array): Promise<BatchOutputs>;
  /**
   * webgpu in a browser: the session's input is bound to this GPU buffer ([batchSize, 3, H, W]
   * float32), so patches can be written there on the GPU and run with `runBound`.
   */
  readonly gpuInput?: { device: GPUDevice; buffer: GPUBuffer; runBound(): Promise<BatchOutputs> };
  dispose(): Promise<void>;
}
