import type { Endpoint } from 'comlink';
import { SmearscopeError } from '../errors.js';
import type { BackendName, OrtModule } from '../inference/backend.js';
import { DEFAULT_MODEL_CARD } from '../inference/default-model.js';
import { softwareAdapterReason, type AdapterLike } from '../inference/webgpu-adapter.js';
import type { Platform, WorkerHandle, WorkerName } from './types.js';

// Bundled into dist/browser/index.js and dist/workers/*.js: workers live in dist/workers, ORT's
// runtime files in dist/ort, models in the package's models/.
export const platform: Platform = {
  name: 'browser',
  spawnWorker(name: WorkerName): WorkerHandle {
    const worker = new Worker(new URL(`../workers/${name}.worker.js`, import.meta.url), { type: 'module', name });
    let exited = false;
    const listeners: Array<(reason: string) => void> = [];
    worker.addEventListener('error', (event) => {
      if (exited) return;
      exited = true;
      for (const listener of listeners) listener(`${name} worker error: ${event.message}`);
    });
    return {
      endpoint: worker,
      onExit: (listener) => listeners.push(listener),
      async terminate() {
        exited = true;
        worker.terminate();
      },
    };
  },
  parentEndpoint: () => globalThis as unknown as Endpoint,
  async decodeImage(bytes, label) {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    } catch (error) {
      throw new SmearscopeError('DECODE_FAILED', `${label}: the browser could not decode this image (${(error as Error).message})`, { cause: error });
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' }).data;
    bitmap.close();
    return { width: canvas.width, height: canvas.height, channels: 4, pixels, label };
  },
  async readBytes(location) {
    const response = await fetch(location).catch((error: unknown) => {
      throw new SmearscopeError('IO_FAILED', `cannot fetch ${location}: ${(error as Error).message}`, { cause: error });
    });
    if (!response.ok) throw new SmearscopeError('IO_FAILED', `cannot fetch ${location}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  },
  resolveRelative(relative, base) {
    return new URL(relative, new URL(String(base), globalThis.location?.href));
  },
  async loadOrt(backend: BackendName): Promise<OrtModule> {
    if (backend === 'native') throw new SmearscopeError('BACKEND_UNAVAILABLE', 'native (onnxruntime-node) runs in Node only');
    if (backend === 'webgpu') {
      const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
      if (!gpu) throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: navigator.gpu is missing (browser without WebGPU)');
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: no GPU adapter available');
    }
    const ort = (await import('onnxruntime-web')) as unknown as OrtModule;
    ort.env.wasm.wasmPaths = new URL('../ort/', import.meta.url).href;
    // Never the ORT proxy worker: this code already runs in our inference worker.
    ort.env.wasm.proxy = false;
    return ort;
  },
  async autoSkipReason(backend) {
    if (backend !== 'webgpu') return undefined;
    // A missing GPU or adapter is reported by loadOrt; here only the kind of adapter matters.
    const adapter = await (globalThis.navigator as Navigator | undefined)?.gpu?.requestAdapter();
    return adapter ? softwareAdapterReason(adapter as AdapterLike) : undefined;
  },
  candidateBackends: () => ['webgpu', 'wasm'],
  inferenceThreads: (backend) =>
    backend === 'wasm' && globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1)) : 1,
  defaultPreprocessWorkers: () => Math.max(1, Math.min(4, (navigator.hardwareConcurrency ?? 2) - 1)),
  defaultModelCard: () => new URL(`../../models/${DEFAULT_MODEL_CARD}`, import.meta.url),
};
