import { SmearscopeError } from '../errors.js';
import type * as ortTypes from 'onnxruntime-common';

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
  /** Why this runtime runs one CPU thread whatever numThreads says (onnxruntime-web without shared memory), for the notes. */
  singleThreadReason?: string;
  /** Why the runtime itself did not start (see runtimeSetupFailure), as the loader that knows its files can tell; undefined when it cannot. */
  explainSetupFailure?(error: unknown): Promise<SmearscopeError | undefined>;
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
