import reinhardWasm from '../../build/reinhard.wasm';
import { REINHARD_FUNCTIONS, type ReinhardExports } from './exports.js';
import { moduleLoader, type KernelInstance } from './instantiate.js';

/** An instance of build/reinhard.wasm (Reinhard colour transfer). */
export type ReinhardKernels = KernelInstance<ReinhardExports>;

/** Instantiates build/reinhard.wasm, apart from the pipeline's kernels so their bundles do not carry it. */
export const instantiateReinhardKernels = moduleLoader<ReinhardExports>(reinhardWasm, 'build/reinhard.wasm', REINHARD_FUNCTIONS);
