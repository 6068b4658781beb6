import { locate } from 'smearscope:shipped-models';
import { SmearscopeError } from '../errors.js';
import { DEFAULT_MODEL_CARD } from '../inference/default-model.js';
import type { ShippedModel } from '../inference/shipped-models.js';
import type { WorkerName } from './types.js';

// Where the browser build finds its files. Each is a static `new URL('<literal>', import.meta.url)`
// so that bundlers (Vite, webpack, Parcel) see, copy and rewrite it. Bundles sit in dist/browser
// and dist/workers: workers are ../workers/, ONNX Runtime's files ../ort/. Hosts that serve these
// files elsewhere (esbuild, an IIFE bundle, a CDN) pass `assetsPath`: a folder holding `workers/`,
// `ort/` and `models/` as the package has them (dist/workers, dist/ort, models).

/** The folder URL of `assetsPath`, always ending in '/'. createScope's withAssetsPath made it
 * absolute against the page; a root-relative one ('/dist/', as tests pass to loadOrt) is taken
 * against this context's location, whose origin is the page's in its workers too. */
export function assetsBase(assetsPath: string): URL {
  return new URL(assetsPath.endsWith('/') ? assetsPath : assetsPath + '/', globalThis.location?.href);
}

/**
 * Starts a worker. Without assetsPath the literal `new Worker(new URL('...', import.meta.url), { type:
 * 'module' })` form is the one bundlers recognize and bundle as a worker (with its own assets).
 */
export function startWorker(name: WorkerName, assetsPath?: string): Worker {
  if (assetsPath) return new Worker(workerUrl(name, assetsPath), { type: 'module', name });
  return packaged(() =>
    name === 'preprocess'
      ? new Worker(new URL('../workers/preprocess.worker.js', import.meta.url), { type: 'module', name: 'preprocess' })
      : new Worker(new URL('../workers/inference.worker.js', import.meta.url), { type: 'module', name: 'inference' }),
  );
}

/**
 * Where a worker's script is expected (for error messages). Built by concatenation so that
 * bundlers do not copy the script a second time as a plain asset.
 */
export function workerUrl(name: WorkerName, assetsPath?: string): URL {
  const file = name + '.worker.js';
  return assetsPath ? new URL('workers/' + file, assetsBase(assetsPath)) : packaged(() => new URL('../workers/' + file, import.meta.url));
}

/**
 * Which onnxruntime-web build serves a backend, by its files' suffix: webgpu loads the native
 * WebGPU EP build (`onnxruntime-web/webgpu`, ort-wasm-simd-threaded.asyncify.*), wasm the plain CPU
 * build (`onnxruntime-web/wasm`, ort-wasm-simd-threaded.*), half the size and without asyncify.
 */
export type OrtWebBuild = 'webgpu' | 'wasm';

/** Where one build of ONNX Runtime Web's runtime is: its glue (.mjs) and binary (.wasm). */
export interface OrtFiles {
  mjs: URL;
  wasm: URL;
}

/** URLs of the glue (.mjs) and binary (.wasm) of ONNX Runtime Web's `build`. */
export function ortUrls(build: OrtWebBuild, assetsPath?: string): OrtFiles {
  if (assetsPath) {
    const base = assetsBase(assetsPath);
    const stem = build === 'webgpu' ? 'ort/ort-wasm-simd-threaded.asyncify' : 'ort/ort-wasm-simd-threaded';
    return { mjs: new URL(stem + '.mjs', base), wasm: new URL(stem + '.wasm', base) };
  }
  return packaged(() =>
    build === 'webgpu'
      ? {
          mjs: new URL('../ort/ort-wasm-simd-threaded.asyncify.mjs', import.meta.url),
          wasm: new URL('../ort/ort-wasm-simd-threaded.asyncify.wasm', import.meta.url),
        }
      : {
          mjs: new URL('../ort/ort-wasm-simd-threaded.mjs', import.meta.url),
          wasm: new URL('../ort/ort-wasm-simd-threaded.wasm', import.meta.url),
        },
  );
}

/** A shipped model's card and graphs: under assetsPath/models/, else in the package's models/. */
export function modelFiles(model: ShippedModel, assetsPath?: string): { card: URL; onnx: URL; onnxFp16?: URL } {
  // The table's URLs are static `new URL('../../models/<file>', import.meta.url)` (scripts/shipped-models.mjs).
  if (!assetsPath) return packaged(() => locate[model.id]());
  const base = assetsBase(assetsPath);
  return {
    card: new URL('models/' + model.card, base),
    onnx: new URL('models/' + model.onnx, base),
    ...(model.onnxFp16 ? { onnxFp16: new URL('models/' + model.onnxFp16, base) } : {}),
  };
}

/** The package's default model card (the CLI's; pages name their model). */
export function defaultModelCardUrl(): URL {
  return packaged(() => new URL('../../models/' + DEFAULT_MODEL_CARD, import.meta.url));
}

/** A packaged location, or IO_FAILED when the bundle has no import.meta.url (IIFE, CommonJS). */
function packaged<T>(locate: () => T): T {
  try {
    return locate();
  } catch (error) {
    throw new SmearscopeError(
      'IO_FAILED',
      "cannot locate smearscope's files (workers, ONNX Runtime, models): this bundle has no usable " +
        "import.meta.url (an IIFE or CommonJS bundle); copy the package's dist/workers, dist/ort and models into one folder " +
        'and pass its URL as assetsPath',
      { cause: error },
    );
  }
}

/**
 * IO_FAILED naming `url` when a HEAD request for it fails (run before handing the URL to code that
 * hides why it failed). An HTTP status always fails. A network failure fails only with
 * `networkError: 'fail'` (when the real request already failed): before it, offline, the browser's
 * HTTP cache or a service worker may still serve the file to the real request.
 */
export async function checkReachable(url: URL, what: string, networkError: 'let through' | 'fail' = 'let through'): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'HEAD' });
  } catch (error) {
    if (networkError === 'let through') return;
    throw new SmearscopeError(
      'IO_FAILED',
      `cannot fetch ${what} at ${url.href}: ${(error as Error).message} (offline, or the server did not answer). ` +
        "Only the model is kept for offline starts: ONNX Runtime's files and the workers need the host's HTTP caching or a service worker",
      { cause: error },
    );
  }
  if (!response.ok)
    throw new SmearscopeError('IO_FAILED', `cannot fetch ${what} at ${url.href}: HTTP ${response.status}; check assetsPath`);
}
