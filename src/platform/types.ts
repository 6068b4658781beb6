import type { Endpoint } from 'comlink';
import type { Frame } from '../frame.js';
import type { InferenceHost } from '../inference/host.js';
import type { DecodeLimits } from '../io/decode-limits.js';

export type { WorkerHandle, WorkerName } from '../pipeline/worker-host.js';
export type { LoadProgress, OrtLoader, ReadOptions } from '../inference/host.js';

/**
 * What differs between browsers and Node; src/platform/{browser,node}.ts implement it. Starting
 * workers (#platform-spawn) and loading ONNX Runtime (#platform-ort) live apart, so that workers do
 * not carry the code that starts workers and only the inference worker carries ONNX Runtime.
 */
export interface Platform extends InferenceHost {
  name: 'browser' | 'node';
  /** Inside a worker: the endpoint that talks to the thread that spawned it. */
  parentEndpoint(): Endpoint;
  /** Decodes PNG / JPEG / TIFF bytes into a frame (in a worker): RGB8 in Node, RGBA8 in browsers; `page` picks a TIFF page. */
  decodeImage(bytes: Uint8Array, label: string, options: DecodeLimits): Promise<Frame>;
  /** Default number of preprocess workers. */
  defaultPreprocessWorkers(): number;
}
