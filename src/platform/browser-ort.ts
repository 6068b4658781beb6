import { SmearscopeError } from '../errors.js';
import type { BackendName, OrtModule } from '../inference/backend.js';
import { adapterShaderF16, autoAdapterSkipReason } from '../inference/webgpu-adapter.js';
import { ortUrls, type OrtWebBuild } from './browser-assets.js';
import { checkOrtFiles, explainOrtSetupFailure } from './browser-ort-files.js';
import type { OrtLoader } from './types.js';

// Bundled into the inference worker only (dist/workers/inference.worker.js).

const NOT_ISOLATED =
  'this page is not cross-origin isolated, so WebAssembly runs one thread; serve it with the headers ' +
  'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
export const ortLoader: OrtLoader = {
  async loadOrt(backend: BackendName, assetsPath?: string): Promise<OrtModule> {
    if (backend === 'native') throw new SmearscopeError('BACKEND_UNAVAILABLE', 'native (onnxruntime-node) runs in Node only');
    if (backend === 'webgpu') {
      const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
      if (!gpu) throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: navigator.gpu is missing (browser without WebGPU)');
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: no GPU adapter available');
    }
    // One build per backend (see OrtWebBuild): the native WebGPU EP for webgpu, not the default
    // import's older JSEP one; the plain build for wasm.
    const build: OrtWebBuild = backend === 'webgpu' ? 'webgpu' : 'wasm';
    const urls = ortUrls(build, assetsPath);
    // ONNX Runtime reports a missing file as a failed backend; say which URL is missing instead.
    await checkOrtFiles(urls, 'let through');
    const ort = (build === 'webgpu'
      ? await import('onnxruntime-web/webgpu')
      : await import('onnxruntime-web/wasm')) as unknown as OrtModule;
    ort.env.wasm.wasmPaths = { mjs: urls.mjs.href, wasm: urls.wasm.href };
    // Never the ORT proxy worker: this code already runs in our inference worker.
    ort.env.wasm.proxy = false;
    const { InferenceSession, Tensor, env } = ort;
    return {
      InferenceSession,
      Tensor,
      env,
      build: build === 'webgpu' ? 'webgpu build, native WebGPU EP' : 'wasm build',
      explainSetupFailure: (error) => explainOrtSetupFailure(error, urls),
      // WASM threads share memory (SharedArrayBuffer), which only a cross-origin isolated page has.
      ...(globalThis.crossOriginIsolated ? {} : { singleThreadReason: NOT_ISOLATED }),
    };
  },
  // A missing GPU or adapter is reported by loadOrt; here only the kind of adapter matters.
  autoSkipReason: async (backend) => (backend === 'webgpu' ? autoAdapterSkipReason() : undefined),
  webgpuShaderF16: adapterShaderF16,
};
