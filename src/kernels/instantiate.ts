import { SmearscopeError } from '../errors.js';
import { WASM_CSP_FIX, wasmBlockedByCsp } from '../wasm-csp.js';
import { typedExports, type ModuleExports } from './exports.js';
import { KernelMemory } from './memory.js';

/** One instance of a kernel module: its typed exports and a stack allocator over its memory. */
export interface KernelInstance<E extends ModuleExports> {
  exports: E;
  memory: KernelMemory;
}

export interface KernelOptions {
  /** Guard bytes after every buffer (tests, fuzzing; see KernelMemory). */
  canaryBytes?: number;
  /** Cap on the instance's memory, bytes. */
  maxBytes?: number;
  /** The memory of a module built to import it (build/kernels-shared.wasm); others make their own. */
  memory?: WebAssembly.Memory;
}

/**
 * The loader of one kernel module. The .wasm bytes are bundled into the JS (esbuild `binary`
 * loader), so browsers, workers, Electron and Node load them the same way, with no path or fetch
 * to get wrong. The module is compiled once per JS realm; each call makes a fresh instance with
 * its own memory, so every worker owns its kernels.
 */
export function moduleLoader<E extends ModuleExports>(bytes: Uint8Array<ArrayBuffer>, file: string, functions: readonly string[]) {
  let compiled: Promise<WebAssembly.Module> | undefined;
  return async (options: KernelOptions = {}): Promise<KernelInstance<E>> => {
    compiled ??= WebAssembly.compile(bytes).catch((error: unknown) => {
      compiled = undefined;
      const why = wasmBlockedByCsp(error) ? WASM_CSP_FIX : 'WebAssembly SIMD is required: Chromium 91+, Node 16.4+';
      throw new SmearscopeError('KERNEL_FAILED', `could not compile ${file} (${why})`, { cause: error });
    });
    const instance = await WebAssembly.instantiate(await compiled, {
      env: {
        abort(_message: number, _file: number, line: number, column: number): never {
          throw new SmearscopeError('KERNEL_FAILED', `kernel assertion failed at ${line}:${column}`);
        },
        ...(options.memory ? { memory: options.memory } : {}),
      },
    });
    const exports = typedExports<E>(instance.exports, functions, file);
    return { exports, memory: new KernelMemory(exports.memory, exports.heapBase(), options) };
  };
}
