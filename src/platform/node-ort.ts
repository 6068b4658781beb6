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
    // webgpu in Node is onnxruntime-node's own WebGPU EP (Dawn); it fails at session creation where
    // no adapter exists. `auto` never tries it here: the EP tells nothing of its adapter, so a
    // software one (SwiftShader, lavapipe) could not be told from a GPU.
    try {
      return (backend === 'wasm' ? await import('onnxruntime-web') : await import('onnxruntime-node')) as unknown as OrtModule;
    } catch (error) {
      throw new SmearscopeError(
        'BACKEND_UNAVAILABLE',
        `${backend}: cannot load ${backend !== 'wasm' ? NATIVE_INSTALL_HINT : 'onnxruntime-web'}: ${(error as Error).message.split('\n')[0]}`,
        { cause: error },
      );
    }
  },
  autoSkipReason: async () => undefined,
  // onnxruntime-node's WebGPU EP does not tell its adapter's features: an explicit fp16 is tried there.
  webgpuShaderF16: async () => undefined,
};
