/// <reference types="@webgpu/types" />
import { SmearscopeError } from '../errors.js';
import type * as ortTypes from 'onnxruntime-common';
import type { Dtype } from './dtype.js';

/** Where the classifier runs. `native` is onnxruntime-node (Node only). */
export type BackendName = 'webgpu' | 'wasm' | 'native';
export type BackendChoice = BackendName | 'auto';
/** Every name `backend` accepts, for checks and messages. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'native'];

/** `choice` typed, or INVALID_ARGUMENT listing the valid names (an unknown name must never fall
 * through to some default backend and be reported as the one asked for). */
export function checkBackendChoice(choice: unknown): BackendChoice {
  if (!(BACKEND_CHOICES as readonly unknown[]).includes(choice)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(choice) ?? String(choice)}`,
    );
  }
  return choice as BackendChoice;
}

/** The ORT module in use: onnxruntime-web and onnxruntime-node share this surface. */
export interface OrtModule {
  InferenceSession: typeof ortTypes.InferenceSession;
  Tensor: typeof ortTypes.Tensor;
  env: ortTypes.Env;
  /** Which build of the package the loader picked, when it has several (onnxruntime-web's webgpu and wasm builds). */
  build?: string;
}

/** Outputs of one batch, host memory, batch-major. The caller owns them. */
export interface BatchOutputs {
  /** [batchSize, classes] */
  logits: Float32Array;
  /** [batchSize, featureDims] when the card declares features. */
  features?: Float32Array;
  /** [batchSize, C, h, w] when the card declares a feature map (CAM). */
  featureMap?: Float32Array;
  featureMapShape?: [number, number, number];
}

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
