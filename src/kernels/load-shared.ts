import kernelsSharedWasm from '../../build/kernels-shared.wasm';
import { KERNEL_FUNCTIONS, type KernelExports } from './exports.js';
import { moduleLoader } from './instantiate.js';
import type { KernelInstance } from './load.js';
import { KERNEL_MEMORY_MAX_BYTES, PAGE_BYTES } from './memory.js';

/** The build's maximum (asconfig.json, target "shared": maximumMemory): the kernels' 2 GiB limit. */
const MAX_PAGES = KERNEL_MEMORY_MAX_BYTES / PAGE_BYTES;

const loadShared = moduleLoader<KernelExports>(kernelsSharedWasm, 'build/kernels-shared.wasm', KERNEL_FUNCTIONS);

/**
 * The pipeline's kernels (build/kernels-shared.wasm, the same code) on a shared memory, so another
 * thread can write a frame straight into it (the preprocess pool's inbox: no copy into a transfer
 * buffer and none into kernel memory). Undefined where this realm cannot share memory (a page
 * that is not cross-origin isolated, or no room to reserve the maximum): use instantiateKernels.
 */
export async function instantiateSharedKernels(): Promise<KernelInstance | undefined> {
  if (!realmCanShareMemory()) return undefined;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  } catch {
    return undefined;
  }
  return loadShared({ memory });
}

/** Whether these kernels' memory is shared (another thread may write frames into it). */
export function kernelMemoryIsShared(kernels: KernelInstance): boolean {
  return typeof SharedArrayBuffer === 'function' && kernels.memory.memory.buffer instanceof SharedArrayBuffer;
}

/** Whether memory can be shared between threads here (Node; a cross-origin isolated page or worker). */
export function realmCanShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}
