import type { Endpoint } from 'comlink';
import type { Frame } from '../frame.js';
import type { InferenceHost } from '../inference/host.js';
import type { WorkerHost } from '../pipeline/worker-host.js';

export type { WorkerHandle, WorkerName } from '../pipeline/worker-host.js';

/** What differs between browsers and Node; src/platform/{browser,node}.ts implement it. */
export interface Platform extends InferenceHost, WorkerHost {
  name: 'browser' | 'node';
  /** Inside a worker: the endpoint that talks to the thread that spawned it. */
  parentEndpoint(): Endpoint;
  /** Decodes PNG / JPEG / TIFF bytes into an RGBA8 frame (in a worker). */
  decodeImage(bytes: Uint8Array, label: string): Promise<Frame>;
  /** Default number of preprocess workers. */
  defaultPreprocessWorkers(): number;
}
