import type { Endpoint } from 'comlink';
import type { Frame } from '../frame.js';
import type { BackendName, OrtModule } from '../inference/backend.js';

export type WorkerName = 'preprocess' | 'inference';

/** A running worker: a comlink endpoint plus lifecycle, the same for module workers and worker_threads. */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Called once when the worker dies on its own (crash, uncaught error, exit). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

/** What differs between browsers and Node; src/platform/{browser,node}.ts implement it. */
export interface Platform {
  name: 'browser' | 'node';
  spawnWorker(name: WorkerName): WorkerHandle;
  /** Inside a worker: the endpoint that talks to the thread that spawned it. */
  parentEndpoint(): Endpoint;
  /** Decodes PNG / JPEG / TIFF bytes into an RGBA8 frame (in a worker). */
  decodeImage(bytes: Uint8Array, label: string): Promise<Frame>;
  /** Reads a file path (Node) or URL (both) into bytes. */
  readBytes(location: string | URL): Promise<Uint8Array>;
  /** Resolves `relative` against the location of a card. */
  resolveRelative(relative: string, base: string | URL): string | URL;
  /** The ONNX Runtime module for a backend, or throws BACKEND_UNAVAILABLE saying why. */
  loadOrt(backend: BackendName): Promise<OrtModule>;
  /** Backends worth trying here, fastest first (auto picks the first that works). */
  candidateBackends(): BackendName[];
  /** Threads for wasm / native inference. */
  inferenceThreads(backend: BackendName): number;
  /** Default number of preprocess workers. */
  defaultPreprocessWorkers(): number;
  /** Location of the shipped default model card. */
  defaultModelCard(): string | URL;
}
