// The stain kernels (Macenko fit passes, exact percentiles, normalize / concentrations), gathered
// for assembly/index.ts. Each lives in its own assembly/stain-*.ts file; Reinhard is built apart
// (assembly/reinhard.ts -> build/reinhard.wasm).

export {
  stainDarkPixels, stainAngleBins, stainConcentrationBins, stainAngleValues, stainConcentrationValues,
} from './stain-fit';
export { selectQuantile, binIndices } from './stain-quantile';
export { stainNormalize, stainConcentrationMaps } from './stain-apply';
