import { SmearscopeError } from '../errors.js';
import type { BackendName, OrtModule } from '../inference/backend.js';
import type { OrtLoader } from './types.js';

// onnxruntime-node is an optional peer dependency: its install step downloads CUDA files from outside
// the npm registry and fails where only the registry is reachable, so consumers install it themselves.
const NATIVE_INSTALL_HINT =
  'onnxruntime-node, an optional peer dependency: install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` ' +
  '(the flag skips its CUDA download; the CPU build ships in the package)';

export const ortLoader: OrtLoader = {
  async loadOrt(backend: BackendName): Promise<OrtModule> {
    if (backend === 'webgpu') {
      throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu runs in browsers only; in Node use native or wasm');
    }
    try {
      return (backend === 'native' ? await import('onnxruntime-node') : await import('onnxruntime-web')) as unknown as OrtModule;
    } catch (error) {
      throw new SmearscopeError(
        'BACKEND_UNAVAILABLE',
        `${backend}: cannot load ${backend === 'native' ? NATIVE_INSTALL_HINT : 'onnxruntime-web'}: ${(error as Error).message.split('\n')[0]}`,
        { cause: error },
      );
    }
  },
  autoSkipReason: async () => undefined,
};
