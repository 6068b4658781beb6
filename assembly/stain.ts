// The stain kernels (Macenko fit passes, exact percentiles, normalize / concentrations, Reinhard),
// gathered for assembly/index.ts. Each lives in its own assembly/stain-*.ts file.

export {
  stainDarkPixels, stainAngleBins, stainConcentrationBins, stainAngleValues, stainConcentrationValues,
} from './stain-fit';
export { selectQuantile, binIndices } from './stain-quantile';
export { stainNormalize, stainConcentrationMaps } from './stain-apply';
export { prepareReinhardTables, reinhardMoments, reinhardApply } from './stain-reinhard';
