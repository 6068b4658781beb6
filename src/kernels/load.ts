import kernelsWasm from '../../build/kernels.wasm';
import { SmearscopeError } from '../errors.js';
import { typedExports, type KernelExports } from './exports.js';
import { KernelMemory } from './memory.js';

export interface KernelInstance {
  exports: KernelExports;
  memory: KernelMemory;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Instantiates the kernels. The .wasm bytes are bundled into the JS (esbuild `binary` loader), so
 * browsers, workers, Electron and Node load them the same way, with no path or fetch to get wrong.
 * The module is compiled once per JS realm; each call makes a fresh instance with its own memory,
 * so every worker owns its kernels.
 */
export async function instantiateKernels(options: { canaryBytes?: number; maxBytes?: number } = {}): Promise<KernelInstance> {
  compiled ??= WebAssembly.compile(kernelsWasm).catch((error: unknown) => {
    compiled = undefined;
    throw new SmearscopeError(
      'KERNEL_FAILED',
      'could not compile the kernels (WebAssembly SIMD is required: Chromium 91+, Node 16.4+)',
      { cause: error },
    );
  });
  const module = await compiled;
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_message: number, _file: number, line: number, column: number): never {
        throw new SmearscopeError('KERNEL_FAILED', `kernel assertion failed at ${line}:${column}`);
      },
    },
  });
  const exports = typedExports(instance.exports);
  return { exports, memory: new KernelMemory(exports.memory, exports.heapBase(), options) };
}
