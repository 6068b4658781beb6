import kernelsWasm from '../../build/kernels.wasm';
import sharedKernelsWasm from '../../build/kernels-shared.wasm';
import { KERNEL_FUNCTIONS, type KernelExports } from './exports.js';
import { moduleLoader, type KernelInstance as ModuleInstance } from './instantiate.js';
import { KERNEL_MEMORY_MAX_BYTES } from './memory.js';

/** An instance of build/kernels.wasm, the pipeline's kernels. */
export type KernelInstance = ModuleInstance<KernelExports>;

/** Instantiates build/kernels.wasm (see moduleLoader); `canaryBytes` guards buffers (tests, fuzzing); `maxBytes` caps its memory. */
export const instantiateKernels = moduleLoader<KernelExports>(kernelsWasm, 'build/kernels.wasm', KERNEL_FUNCTIONS);

/** The same kernels built to import a shared memory (build/kernels-shared.wasm), up to the kernels' 2 GiB cap. */
const instantiateSharedKernels = moduleLoader<KernelExports>(
  sharedKernelsWasm,
  'build/kernels-shared.wasm',
  KERNEL_FUNCTIONS,
  KERNEL_MEMORY_MAX_BYTES / 65536,
);

/** Whether this realm can share memory with another thread (Node; pages that are cross-origin isolated). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/**
 * Kernels whose linear memory is a SharedArrayBuffer where this realm can share memory, so another
 * thread can write a frame straight into it (the preprocess workers); elsewhere those of
 * instantiateKernels. Options as instantiateKernels.
 */
export function instantiateShareableKernels(options: { canaryBytes?: number; maxBytes?: number } = {}): Promise<KernelInstance> {
  return canShareMemory() ? instantiateSharedKernels(options) : instantiateKernels(options);
}
