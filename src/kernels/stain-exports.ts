import { SmearscopeError } from '../errors.js';
import type { KernelInstance } from './load.js';

/**
 * The stain kernels of build/kernels.wasm (assembly/stain*.ts), typed. Pointers are byte offsets
 * into the kernels' memory.
 */
export interface StainKernelExports {
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
}

/** (origin, rowBytes, channels, columns, rows, pixelStride): a sampled region, as in assembly/stain-pixels.ts. */
export type SampledRegionArguments = [
  origin: number, rowBytes: number, channels: number, columns: number, rows: number, pixelStride: number,
];

const NAMES: readonly (keyof StainKernelExports)[] = [
  'prepareOpticalDensity', 'opticalDensityOf', 'opticalDensityBelow', 'stainDarkPixels', 'stainAngleBins', 'stainConcentrationBins', 'stainAngleValues',
  'stainConcentrationValues', 'binIndices', 'selectQuantile', 'stainNormalize', 'stainConcentrationMaps',
  'reinhardMoments', 'reinhardApply',
];

/** The stain kernels of an instance; throws KERNEL_FAILED when the .wasm lacks one (a stale build). */
export function stainKernels(kernels: KernelInstance): StainKernelExports {
  const exports = kernels.exports as unknown as Record<string, unknown>;
  for (const name of NAMES) {
    if (typeof exports[name] !== 'function') {
      throw new SmearscopeError('KERNEL_FAILED', `build/kernels.wasm has no ${name}; rebuild it with npm run build:kernels`);
    }
  }
  return exports as unknown as StainKernelExports;
}
