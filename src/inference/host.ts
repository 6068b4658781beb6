import type { BackendName, OrtModule } from './backend.js';
import type { ShippedModel } from './shipped-models.js';

/** Bytes of one file loaded so far (model loading; `totalBytes` when the server declares it). */
export interface LoadProgress {
  url: string;
  loadedBytes: number;
  totalBytes?: number;
  /** Served from the browser's Cache Storage (no network). */
  fromCache: boolean;
}

export interface ReadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Browsers: keep a copy in Cache Storage and answer from it first, or only when the network fails. */
  cache?: 'cache-first' | 'network-first';
  /** Cache key (relative to the URL) when the URL alone does not identify the content (a version). */
  cacheKey?: string;
  /** Largest source read, bytes: a larger one is IO_FAILED (by its size or Content-Length when known, else while reading). */
  maxBytes?: number;
}

/** What inference needs from its environment (browser or Node); src/platform implements it. */
export interface InferenceHost {
  /** Reads a file path (Node) or URL (both) into bytes; IO_FAILED naming the location when it cannot,
   * or (with `maxBytes`) when the source is larger or not a regular file, before reading it whole. */
  readBytes(location: string | URL, options?: ReadOptions): Promise<Uint8Array>;
  /** Resolves `relative` against the location of a card. */
  resolveRelative(relative: string, base: string | URL): string | URL;
  /** Locations of a shipped model's card and graph (in the package, or under assetsPath/models/). */
  shippedModelFiles(model: ShippedModel, assetsPath?: string): { card: string | URL; onnx: string | URL; onnxFp16?: string | URL };
  /** Backends worth trying here, fastest first (auto picks the first that works). */
  candidateBackends(): BackendName[];
  /** Threads for wasm / native inference (all of one session's; several sessions split them). */
  inferenceThreads(backend: BackendName): number;
  /** Sessions a CPU backend runs by default, each in its own worker (see src/pipeline/inference-sessions.ts). */
  inferenceSessions(backend: BackendName): number;
  /** Location of the shipped default model card (its folder is the package's models/). */
  defaultModelCard(): string | URL;
}

/**
 * Loads ONNX Runtime (#platform-ort: src/platform/{browser,node}-ort.ts): only the inference worker
 * imports it, so only its bundle contains ONNX Runtime.
 */
export interface OrtLoader {
  /** The ONNX Runtime module for a backend, or throws BACKEND_UNAVAILABLE saying why (IO_FAILED naming a missing file). */
  loadOrt(backend: BackendName, assetsPath?: string): Promise<OrtModule>;
  /** Why `auto` should pass over `backend` here although it may load (a software GPU), else undefined. */
  autoSkipReason(backend: BackendName): Promise<string | undefined>;
  /** Whether the WebGPU adapter has 'shader-f16' (float16 shaders); undefined when this host cannot tell. */
  webgpuShaderF16(): Promise<boolean | undefined>;
}
