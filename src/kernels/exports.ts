import { SmearscopeError } from '../errors.js';

/** (origin, rowBytes, channels, columns, rows, pixelStride): a sampled region, as in assembly/stain-pixels.ts. */
export type SampledRegionArguments = [
  origin: number,
  rowBytes: number,
  channels: number,
  columns: number,
  rows: number,
  pixelStride: number,
];

/** What every kernel module exports: its linear memory and where free memory starts. */
export interface ModuleExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
}

// The typed tables of the two kernel modules: the one place their signatures are written.
// Pointers are byte offsets into `memory`; the caller allocates every buffer (KernelMemory) and
// keeps it alive for the call.

/** build/kernels.wasm (assembly/index.ts): the pipeline's kernels. */
export interface KernelExports extends ModuleExports {
  // Stain (assembly/od.ts, assembly/stain*.ts)
  prepareOpticalDensity(backgroundIntensity: number): void;
  opticalDensityOf(value: number): number;
  opticalDensityBelow(beta: number): number;
  stainDarkPixels(...args: [...SampledRegionArguments, keptBelow: number, listBelow: number, sums: number, list: number]): number;
  stainAngleBins(list: number, count: number, plane: number, bins: number, histogram: number, binsOut: number): void;
  stainConcentrationBins(
    list: number,
    count: number,
    unmix: number,
    lowest: number,
    binsPerUnit: number,
    bins: number,
    histograms: number,
    binsH: number,
    binsE: number,
  ): void;
  stainAngleValues(indices: number, count: number, list: number, plane: number, out: number): void;
  stainConcentrationValues(indices: number, count: number, list: number, unmixRow: number, out: number): void;
  binIndices(bins: number, count: number, lo: number, hi: number, out: number, capacity: number): number;
  selectQuantile(values: number, count: number, position: number): number;
  stainNormalize(
    source: number,
    output: number,
    pixelCount: number,
    channels: number,
    transform: number,
    gains: number,
    backgroundIntensity: number,
  ): void;
  stainConcentrationMaps(source: number, pixelCount: number, channels: number, unmix: number, output: number): void;

  // Localization (assembly/localize.ts)
  binStainChannels(
    frame: number,
    width: number,
    height: number,
    channels: number,
    lut: number,
    binPx: number,
    sampleStep: number,
    outH: number,
    outE: number,
  ): void;
  binHematoxylin(
    frame: number,
    width: number,
    height: number,
    channels: number,
    lut: number,
    binPx: number,
    sampleStep: number,
    outH: number,
  ): void;
  quantizedHistogram(values: number, n: number, maxValue: number, histogram: number): void;
  maskAndSummedArea(values: number, gridW: number, gridH: number, threshold: number, mask: number, sat: number): void;
  windowCounts(sat: number, gridW: number, gridH: number, windowBins: number, strideBins: number, counts: number, areas: number): void;

  // Patches (assembly/patch.ts)
  writePatches(
    framePtr: number,
    width: number,
    height: number,
    channels: number,
    centresPtr: number,
    cellCount: number,
    sidePx: number,
    inputWidth: number,
    inputHeight: number,
    meanR: number,
    meanG: number,
    meanB: number,
    stdR: number,
    stdG: number,
    stdB: number,
    border: number,
    fillRgb: number,
    stainPtr: number,
    backgroundIntensity: number,
    scratchPtr: number,
    outPtr: number,
    writtenPtr: number,
  ): void;
  patchScratchBytes(width: number, channels: number, inputWidth: number): number;
}

/** build/reinhard.wasm (assembly/reinhard.ts): Reinhard colour transfer, loaded only by its callers. */
export interface ReinhardExports extends ModuleExports {
  reinhardMoments(...args: [...SampledRegionArguments, shift: number, sums: number]): void;
  reinhardApply(source: number, output: number, pixelCount: number, channels: number, coefficients: number): void;
}

export const KERNEL_FUNCTIONS: readonly Exclude<keyof KernelExports, 'memory'>[] = [
  'heapBase',
  'prepareOpticalDensity',
  'opticalDensityOf',
  'opticalDensityBelow',
  'stainDarkPixels',
  'stainAngleBins',
  'stainConcentrationBins',
  'stainAngleValues',
  'stainConcentrationValues',
  'binIndices',
  'selectQuantile',
  'stainNormalize',
  'stainConcentrationMaps',
  'binStainChannels',
  'binHematoxylin',
  'quantizedHistogram',
  'maskAndSummedArea',
  'windowCounts',
  'writePatches',
  'patchScratchBytes',
];

export const REINHARD_FUNCTIONS: readonly Exclude<keyof ReinhardExports, 'memory'>[] = ['heapBase', 'reinhardMoments', 'reinhardApply'];

/** An instance's exports as its typed table; throws KERNEL_FAILED when `file` lacks one (a stale build). */
export function typedExports<E extends ModuleExports>(raw: WebAssembly.Exports, functions: readonly string[], file: string): E {
  const exports = raw as Record<string, unknown>;
  for (const name of ['memory', ...functions]) {
    if (name === 'memory' ? !(exports.memory instanceof WebAssembly.Memory) : typeof exports[name] !== 'function') {
      throw new SmearscopeError('KERNEL_FAILED', `${file} has no ${name}; rebuild it with npm run build:kernels`);
    }
  }
  return raw as unknown as E;
}
