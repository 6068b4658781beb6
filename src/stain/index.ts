// Public stain kernels: Macenko fit / normalize / concentration maps, Reinhard, stain jitter.
// Each piece lives in its own src/stain/*.ts file; this module is the stage's surface.

export type { StainReference } from './reference.js';
export { stainTransform, stainMap, concentrationUnmixing, checkStainReference, type StainMap } from './transform.js';
export { fitMacenko, MACENKO_DEFAULTS, MIN_KEPT_PIXELS, type MacenkoOptions, type StainFit } from './macenko-fit.js';
export type { PixelRegion } from './region.js';
export { normalizeStain, jitterStain, applyStainMap, stainConcentrations, type StainApplyOptions } from './apply.js';
export { drawStainJitter, STAIN_JITTER_DEFAULTS, type StainJitter, type StainJitterOptions } from './jitter.js';
export { mulberry32 } from '../seeded-random.js';
export { fitReinhard, normalizeReinhard, type ReinhardFit, type ReinhardOptions } from './reinhard.js';
