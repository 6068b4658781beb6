import { SmearscopeError } from '../errors.js';

/** (origin, rowBytes, channels, columns, rows, pixelStride): a sampled region, as in assembly/stain-pixels.ts. */
export type SampledRegionArguments = [
  origin: number, rowBytes: number, channels: number, columns: number, rows: number, pixelStride: number,
];

/**
 * Every export of build/kernels.wasm (assembly/index.ts), typed: the one place their signatures
 * are written. Pointers are byte offsets into `memory`; the caller allocates every buffer
 * (KernelMemory) and keeps it alive for the call.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;

  // Stain (assembly/od.ts, assembly/stain*.ts)
  prepareOpticalDensity(backgroundIntensity: number): void;
  opticalDensityOf(value: number): number;
  opticalDensityBelow(beta: number): number;
  stainDarkPixels(
    ...args: [...SampledRegionArguments, keptBelow: number, listBelow: number, sums: number, list: number]
  ): number;
  stainAngleBins(list: number, count: number, plane: number, bins: number, histogram: number, binsOut: number): void;
  stainConcentrationBins(
    list: number, count: number, unmix: number, lowest: number, binsPerUnit: number, bins: number,
    histograms: number, binsH: number, binsE: number,
  ): void;
  stainAngleValues(indices: number, count: number, list: number, plane: number, out: number): void;
  stainConcentrationValues(indices: number, count: number, list: number, unmixRow: number, out: number): void;
  binIndices(bins: number, count: number, lo: number, hi: number, out: number, capacity: number): number;
  selectQuantile(values: number, count: number, position: number): number;
  stainNormalize(
    source: number, output: number, pixelCount: number, channels: number, transform: number, gains: number,
    backgroundIntensity: number,
  ): void;
  stainConcentrationMaps(source: number, pixelCount: number, channels: number, unmix: number, output: number): void;
  reinhardMoments(...args: [...SampledRegionArguments, shift: number, sums: number]): void;
  reinhardApply(source: number, output: number, pixelCount: number, channels: number, coefficients: number): void;

  // Localization (assembly/localize.ts)
  binStainChannels(frame: number, width: number, height: number, channels: number, lut: number, binPx: number, sampleStep: number, outH: number, outE: number): void;
  binHematoxylin(frame: number, width: number, height: number, channels: number, lut: number, binPx: number, sampleStep: number, outH: number): void;
  quantizedHistogram(values: number, n: number, maxValue: number, histogram: number): void;
  maskAndSummedArea(values: number, gridW: number, gridH: number, threshold: number, mask: number, sat: number): void;
  windowCounts(sat: number, gridW: number, gridH: number, windowBins: number, strideBins: number, counts: number, areas: number): void;

  // Patches (assembly/patch.ts)
  writePatches(
    framePtr: number, width: number, height: number, channels: number,
    centresPtr: number, cellCount: number, sidePx: number, inputWidth: number, inputHeight: number,
    meanR: number, meanG: number, meanB: number, stdR: number, stdG: number, stdB: number,
    border: number, fillRgb: number, stainPtr: number, Io: number,
    scratchPtr: number, outPtr: number, writtenPtr: number,
  ): void;
  patchScratchBytes(width: number, channels: number, inputWidth: number): number;
}

const FUNCTIONS: readonly Exclude<keyof KernelExports, 'memory'>[] = [
  'heapBase',
  'prepareOpticalDensity', 'opticalDensityOf', 'opticalDensityBelow', 'stainDarkPixels', 'stainAngleBins',
  'stainConcentrationBins', 'stainAngleValues', 'stainConcentrationValues', 'binIndices', 'selectQuantile',
  'stainNormalize', 'stainConcentrationMaps', 'reinhardMoments', 'reinhardApply',
  'binStainChannels', 'binHematoxylin', 'quantizedHistogram', 'maskAndSummedArea', 'windowCounts',
  'writePatches', 'patchScratchBytes',
];

/** The instance's exports as the typed table; throws KERNEL_FAILED when the .wasm lacks one (a stale build). */
export function typedExports(raw: WebAssembly.Exports): KernelExports {
  const exports = raw as Record<string, unknown>;
  if (!(exports.memory instanceof WebAssembly.Memory)) {
    throw new SmearscopeError('KERNEL_FAILED', 'build/kernels.wasm exports no memory; rebuild it with npm run build:kernels');
  }
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw new SmearscopeError('KERNEL_FAILED', `build/kernels.wasm has no ${name}; rebuild it with npm run build:kernels`);
    }
  }
  return raw as unknown as KernelExports;
}
