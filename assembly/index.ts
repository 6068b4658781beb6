// Entry of the kernels module. Every kernel works on caller-owned buffers in linear memory: JS
// (src/kernels/memory.ts) places them above the heap base and grows memory itself; kernels never
// allocate, so a kernel call cannot move or detach a buffer.

export { prepareOpticalDensity, opticalDensityOf, opticalDensityBelow } from './od';
export * from './stain';
export { writePatches, patchScratchBytes } from './patch';
export { binStainChannels, binHematoxylin, quantizedHistogram, maskAndSummedArea, windowCounts } from './localize';

/** First free byte of linear memory: everything below belongs to static data. */
export function heapBase(): usize {
  return __heap_base;
}
