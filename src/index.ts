// The public API of smearscope. Everything else is internal.
export { createScope, type Scope, type ScopeOptions } from './scope.js';
export type { Frame, EncodedFrame, FrameInput } from './frame.js';
export type { FrameResult, CellResult, AnalyzeProgress } from './pipeline/results.js';
export type { AnalyzeOptions } from './pipeline/analyze-stream.js';
export type { BackendChoice, BackendName } from './inference/backend.js';
export type { ModelCard } from './inference/model-card-types.js';
export type { StainReference } from './stain/reference.js';
export type { ModelSource } from './inference/load-model.js';
export { models, type ShippedModel } from './inference/shipped-models.js';
export type { LoadProgress } from './platform/types.js';
export { validateModelCard } from './inference/model-card.js';
export { SmearscopeError, type SmearscopeErrorCode } from './errors.js';
export { createSlide, type Slide, type DifferentialReport } from './clinical/slide.js';
export { camOverlay, type CamMap } from './explain/cam.js';
export { projectEmbeddings, type EmbeddingProjection } from './explain/embedding.js';
