import type { Endpoint } from 'comlink';

export type WorkerName = 'preprocess' | 'inference';

/** A running worker: a comlink endpoint plus lifecycle, the same for module workers and worker_threads. */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Called once when the worker dies on its own (crash, uncaught error, exit); IO_FAILED when its script did not load. */
  onExit(listener: (reason: string, code?: 'IO_FAILED') => void): void;
  terminate(): Promise<void>;
}

/** What the pipeline needs from its environment: starting workers (#platform-spawn implements it). */
export interface WorkerHost {
  /** `assetsPath`: browsers, a folder with workers/, ort/ and models/ (see src/platform/browser-assets.ts). */
  spawnWorker(name: WorkerName, assetsPath?: string): WorkerHandle;
  /** Browsers: assetsPath as an absolute URL (resolved against the page, see withAssetsPath), the form handed to workers. */
  assetsUrl?: string;
}
