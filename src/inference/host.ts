import type { BackendName, OrtModule } from './backend.js';

/** What inference needs from its environment (browser or Node); src/platform implements it. */
export interface InferenceHost {
  /** Reads a file path (Node) or URL (both) into bytes. */
  readBytes(location: string | URL): Promise<Uint8Array>;
  /** Resolves `relative` against the location of a card. */
  resolveRelative(relative: string, base: string | URL): string | URL;
  /** The ONNX Runtime module for a backend, or throws BACKEND_UNAVAILABLE saying why. */
  loadOrt(backend: BackendName): Promise<OrtModule>;
  /** Why `auto` should pass over `backend` here although it may load (a software GPU), else undefined. */
  autoSkipReason(backend: BackendName): Promise<string | undefined>;
  /** Backends worth trying here, fastest first (auto picks the first that works). */
  candidateBackends(): BackendName[];
  /** Threads for wasm / native inference. */
  inferenceThreads(backend: BackendName): number;
}
