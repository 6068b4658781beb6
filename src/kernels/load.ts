import kernelsWasm from '../../build/kernels.wasm';
import { KERNEL_FUNCTIONS, type KernelExports } from './exports.js';
import { moduleLoader, type KernelInstance as ModuleInstance } from './instantiate.js';

/** An instance of build/kernels.wasm, the pipeline's kernels. */
export type KernelInstance = ModuleInstance<KernelExports>;

/** Instantiates build/kernels.wasm (see moduleLoader); `canaryBytes` guards buffers (tests, fuzzing); `maxBytes` caps its memory. */
export const instantiateKernels = moduleLoader<KernelExports>(kernelsWasm, 'build/kernels.wasm', KERNEL_FUNCTIONS);
