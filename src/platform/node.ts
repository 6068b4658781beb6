import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { SmearscopeError } from '../errors.js';
import { decodeImage } from '../io/decode.js';
import { DEFAULT_MODEL_CARD } from '../inference/default-model.js';
import { isolatedProgress } from './isolated-progress.js';
import type { Platform } from './types.js';

// This file is bundled into dist/node/*.js; worker bundles sit beside it, the package root is ../..
const here = dirname(fileURLToPath(import.meta.url));

export const platform: Platform = {
  name: 'node',
  parentEndpoint() {
    if (!parentPort) throw new SmearscopeError('WORKER_CRASHED', 'parentEndpoint() called outside a worker thread');
    return nodeEndpoint(parentPort);
  },
  decodeImage: (bytes, label, options) => decodeImage(bytes, label, options),
  async readBytes(location, options = {}) {
    const path = location instanceof URL ? fileURLToPath(location) : location.startsWith('file:') ? fileURLToPath(location) : location;
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    let file: FileHandle | undefined;
    let bytes: Uint8Array;
    try {
      file = await open(path, 'r');
      // Checked on the open handle, so the file read is the file checked (/dev/zero, a FIFO, a
      // multi-GB file are refused before any byte is read).
      const info = await file.stat();
      if (!info.isFile()) throw new SmearscopeError('IO_FAILED', `cannot read ${path}: not a regular file`);
      if (info.size > maxBytes) {
        throw new SmearscopeError('IO_FAILED', `cannot read ${path}: ${mebibytes(info.size)} is over the limit of ${mebibytes(maxBytes)}`);
      }
      bytes = await file.readFile();
    } catch (error) {
      if (error instanceof SmearscopeError) throw error;
      throw new SmearscopeError('IO_FAILED', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    } finally {
      await file?.close();
    }
    isolatedProgress(options.onProgress)({ url: String(location), loadedBytes: bytes.length, totalBytes: bytes.length, fromCache: false });
    return bytes;
  },
  resolveRelative(relative, base) {
    if (isAbsolute(relative)) return relative;
    const basePath = base instanceof URL ? fileURLToPath(base) : base;
    return resolve(dirname(basePath), relative);
  },
  candidateBackends: () => ['native', 'wasm'],
  inferenceThreads: () => modelCores(),
  inferenceSessions: () => modelCores(),
  defaultPreprocessWorkers: () => Math.max(1, Math.min(4, availableParallelism() - 1)),
  // Bundles sit in dist/node (and tests run src/platform): the package root is two folders up.
  shippedModelFiles: (model) => ({
    card: resolve(here, '../../models', model.card),
    onnx: resolve(here, '../../models', model.onnx),
    ...(model.onnxFp16 ? { onnxFp16: resolve(here, '../../models', model.onnxFp16) } : {}),
  }),
  defaultModelCard: () => resolve(here, '../../models', DEFAULT_MODEL_CARD),
};

/** Cores the model may use by default: all, at most 4 (as threads of one session, or one session each). */
function modelCores(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
