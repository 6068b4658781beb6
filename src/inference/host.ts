import type { BackendName, OrtModule } from './backend.js';

/** What inference needs from its environment (browser or Node); src/platform implements it. */
export interface InferenceHost {
  /** Reads a file path (Node) or URL (both) into bytes. With `maxBytes`, refuses (IO_FAILED) a
   * source that is larger, or not a regular file, before reading it whole. */
  readBytes(location: string | URL, maxBytes?: number): Promise<Uint8Array>;
  /** Resolves `relative` against the location of a card. */
  resolveRelative(relative: string, base: string | URL): string | URL;
  /** The ONNX Runtime module for a backend, or throws BACKEND_UNAVAILABLE saying why. */
  loadOrt(backend: BackendName): Promise<OrtModule>;
  /** Backends worth trying here, fastest first (auto picks the first that works). */
  candidateBackends(): BackendName[];
  /** Threads for wasm / native inference. */
  inferenceThreads(backend: BackendName): number;
  /** Location of the shipped default model card (its folder is the package's models/). */
  defaultModelCard(): string | URL;
}
