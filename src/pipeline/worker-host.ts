import type { Endpoint } from 'comlink';

export type WorkerName = 'preprocess' | 'inference';

/** A running worker: a comlink endpoint plus lifecycle, the same for module workers and worker_threads. */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Called once when the worker dies on its own (crash, uncaught error, exit). */
  onExit(listener: (reason: string) => void): void;
  terminate(): Promise<void>;
}

/** What the pipeline needs from its environment: starting workers (src/platform implements it). */
export interface WorkerHost {
  spawnWorker(name: WorkerName): WorkerHandle;
}
