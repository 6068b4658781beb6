import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { SmearscopeError } from '../errors.js';
import type { BackendName, OrtModule } from '../inference/backend.js';
import { decodeImage } from '../io/decode.js';
import { DEFAULT_MODEL_CARD } from '../inference/default-model.js';
import type { Platform, WorkerHandle, WorkerName } from './types.js';

// This file is bundled into dist/node/*.js; worker bundles sit beside it, the package root is ../..
const here = dirname(fileURLToPath(import.meta.url));

export const platform: Platform = {
  name: 'node',
  spawnWorker(name: WorkerName): WorkerHandle {
    const worker = new Worker(resolve(here, `${name}.worker.js`));
    let exited = false;
    const listeners: Array<(reason: string) => void> = [];
    const fire = (reason: string) => {
      if (exited) return;
      exited = true;
      for (const listener of listeners) listener(reason);
    };
    worker.on('error', (error) => fire(`${name} worker error: ${error.message}`));
    worker.on('exit', (code) => fire(`${name} worker exited with code ${code}`));
    return {
      endpoint: nodeEndpoint(worker),
      onExit: (listener) => listeners.push(listener),
      async terminate() {
        exited = true;
        await worker.terminate();
      },
    };
  },
  parentEndpoint() {
    if (!parentPort) throw new SmearscopeError('WORKER_CRASHED', 'parentEndpoint() called outside a worker thread');
    return nodeEndpoint(parentPort);
  },
  decodeImage: async (bytes, label) => decodeImage(bytes, label),
  async readBytes(location) {
    const path = location instanceof URL ? fileURLToPath(location) : location.startsWith('file:') ? fileURLToPath(location) : location;
    try {
      return await readFile(path);
    } catch (error) {
      throw new SmearscopeError('IO_FAILED', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  },
  resolveRelative(relative, base) {
    if (isAbsolute(relative)) return relative;
    const basePath = base instanceof URL ? fileURLToPath(base) : base;
    return resolve(dirname(basePath), relative);
  },
  async loadOrt(backend: BackendName): Promise<OrtModule> {
    if (backend === 'webgpu') {
      throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu runs in browsers only; in Node use native or wasm');
    }
    try {
      return (backend === 'native' ? await import('onnxruntime-node') : await import('onnxruntime-web')) as unknown as OrtModule;
    } catch (error) {
      throw new SmearscopeError(
        'BACKEND_UNAVAILABLE',
        `${backend}: cannot load ${backend === 'native' ? 'onnxruntime-node (optional dependency; npm install onnxruntime-node)' : 'onnxruntime-web'}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  },
  autoSkipReason: async () => undefined,
  candidateBackends: () => ['native', 'wasm'],
  inferenceThreads: () => Math.max(1, Math.min(4, availableParallelism())),
  defaultPreprocessWorkers: () => Math.max(1, Math.min(4, availableParallelism() - 1)),
  defaultModelCard: () => resolve(here, '../../models', DEFAULT_MODEL_CARD),
};
