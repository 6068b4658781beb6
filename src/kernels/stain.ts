// Public stain kernels: Macenko fit / normalize / concentration maps, Reinhard, stain jitter.
// Each piece lives in its own src/kernels/stain-*.ts file; this module is the stage's surface.

export type { StainReference } from '../inference/model-card-types.js';
export { stainTransform, stainMap, concentrationUnmixing, checkStainReference, type StainMap } from './stain-transform.js';
export { fitMacenko, MACENKO_DEFAULTS, MIN_KEPT_PIXELS, type MacenkoOptions, type StainFit } from './stain-fit.js';
export type { PixelRegion } from './stain-region.js';
export { normalizeStain, jitterStain, applyStainMap, stainConcentrations, type StainApplyOptions } from './stain-apply.js';
export { drawStainJitter, STAIN_JITTER_DEFAULTS, type StainJitter, type StainJitterOptions } from './stain-jitter.js';
export { mulberry32 } from './seeded-random.js';
export { fitReinhard, normalizeReinhard, type ReinhardFit, type ReinhardOptions } from './reinhard.js';
