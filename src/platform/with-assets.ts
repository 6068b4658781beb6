import type { InferenceHost, OrtLoader } from '../inference/host.js';
import type { WorkerHost } from '../pipeline/worker-host.js';

type Locating = Partial<WorkerHost & OrtLoader> & Pick<InferenceHost, 'shippedModelFiles'>;

/** The host with `assetsPath` bound into every call that locates a packaged file (the pipeline never sees it). */
export function withAssetsPath<H extends Locating>(host: H, assetsPath: string | undefined): H {
  if (!assetsPath) return host;
  const { spawnWorker, loadOrt } = host;
  return {
    ...host,
    shippedModelFiles: (model) => host.shippedModelFiles(model, assetsPath),
    ...(spawnWorker ? { spawnWorker: (name) => spawnWorker(name, assetsPath) } : {}),
    ...(loadOrt ? { loadOrt: (backend) => loadOrt(backend, assetsPath) } : {}),
  };
}
