import { SmearscopeError } from '../errors.js';
import type { InferenceHost, OrtLoader } from '../inference/host.js';
import type { WorkerHost } from '../pipeline/worker-host.js';

type Locating = Partial<WorkerHost & OrtLoader> & Pick<InferenceHost, 'shippedModelFiles'>;

/**
 * The host with `assetsPath` bound into every call that locates a packaged file (the pipeline never
 * sees it), and as `assetsUrl` for what is handed to workers. A relative path is resolved here, once,
 * against the page: a worker would resolve it against its own script's URL (…/workers/), not the page's.
 */
export function withAssetsPath<H extends Locating>(host: H, assetsPath: string | undefined): H {
  if (!assetsPath) return host;
  const absolute = againstPage(assetsPath);
  const { spawnWorker, loadOrt } = host;
  return {
    ...host,
    assetsUrl: absolute,
    shippedModelFiles: (model) => host.shippedModelFiles(model, absolute),
    ...(spawnWorker ? { spawnWorker: (name) => spawnWorker(name, absolute) } : {}),
    ...(loadOrt ? { loadOrt: (backend) => loadOrt(backend, absolute) } : {}),
  };
}

/** `path` as an absolute URL against the document's base URL (its location in a worker); as given where there is neither (Node). */
function againstPage(path: string): string {
  const page = globalThis.document?.baseURI ?? globalThis.location?.href;
  if (!page) return path;
  try {
    return new URL(path, page).href;
  } catch (error) {
    throw new SmearscopeError('INVALID_ARGUMENT', `assetsPath ${JSON.stringify(path)} is not a URL (relative to ${page}) or a path`, {
      cause: error,
    });
  }
}
