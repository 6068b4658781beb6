import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { WorkerHandle, WorkerHost, WorkerName } from '../pipeline/worker-host.js';

// Imported by the main bundle only (src/scope.ts through #platform-spawn); worker bundles sit beside it.
export const workerHost: WorkerHost = {
  spawnWorker(name: WorkerName): WorkerHandle {
    // sharp (libvips) must be loaded by the main thread before a worker that uses it starts, so its
    // shared libraries stay loaded until every thread is done (sharp's documented rule on glibc
    // Linux). Without it, terminating a preprocess worker mid-decode (an abort, a timeout) could
    // leave the thread stuck in teardown and the process unable to exit.
    if (name === 'preprocess') loadSharpInMainThread();
    // Static URLs (one per worker) so that bundlers targeting Node can find the worker files.
    const worker = new Worker(
      name === 'preprocess' ? new URL('./preprocess.worker.js', import.meta.url) : new URL('./inference.worker.js', import.meta.url),
    );
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
};

let sharpLoaded = false;
function loadSharpInMainThread(): void {
  if (sharpLoaded) return;
  createRequire(import.meta.url)('sharp');
  sharpLoaded = true;
}
