import type { WorkerHandle, WorkerHost, WorkerName } from '../pipeline/worker-host.js';
import { checkReachable, startWorker, workerUrl } from './browser-assets.js';

// Imported by the main bundle only (src/scope.ts through #platform-spawn): the workers never start
// workers, and bundlers (Vite) refuse worker scripts that could start each other.
export const workerHost: WorkerHost = {
  spawnWorker(name: WorkerName, assetsPath?: string): WorkerHandle {
    const worker = startWorker(name, assetsPath);
    let exited = false;
    const listeners: Array<(reason: string, code?: 'IO_FAILED') => void> = [];
    const fire = (reason: string, code?: 'IO_FAILED') => {
      if (exited) return;
      exited = true;
      for (const listener of listeners) listener(reason, code);
    };
    worker.addEventListener('error', (event) => {
      if (event.message) return fire(`${name} worker error: ${event.message}`);
      // A script that did not load gives an error without a message: find out whether it is missing.
      const url = workerUrl(name, assetsPath);
      void checkReachable(url, `the ${name} worker`, 'fail').then(
        () => fire(`${name} worker failed to start from ${url.href}`),
        (error: Error) => fire(error.message, 'IO_FAILED'),
      );
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
};
