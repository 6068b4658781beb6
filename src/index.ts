// The public API of smearscope: createScope, createSlide, errors, the shipped models, two explain
// helpers, and the public types (all in api-types.ts). Everything else is internal.
export { createScope } from './scope.js';
export { createSlide } from './clinical/slide.js';
export { SmearscopeError } from './errors.js';
export { models } from './inference/shipped-models.js';
export { validateModelCard } from './inference/model-card.js';
export { camOverlay } from './explain/cam.js';
export { projectEmbeddings } from './explain/embedding.js';
export type * from './api-types.js';
