// Entry of build/reinhard.wasm: Reinhard colour transfer (CIE Lab moments and transfer), built
// apart from build/kernels.wasm so the pipeline's workers do not ship it; `smearscope normalize
// --method reinhard` loads it (src/kernels/load-reinhard.ts). Buffers are placed by JS as in
// assembly/index.ts.
export { reinhardMoments, reinhardApply } from './stain-reinhard';

/** First free byte of linear memory: everything below belongs to static data. */
export function heapBase(): usize {
  return __heap_base;
}
