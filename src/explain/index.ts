// Explanations for the UI and report: class activation maps and a 2-D map of cell embeddings.
export { camOverlay, computeCam, type CamMap, type CamOptions, type CamOverlayOptions, type FeatureMapShape } from './cam.js';
export { projectEmbeddings, projectOntoAxes, type EmbeddingOptions, type EmbeddingProjection } from './embedding.js';
