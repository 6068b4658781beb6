import type { ScopeOptions } from '../api-types.js';
import type { ModelCard } from '../inference/model-card-types.js';
import type { PreprocessJob } from './preprocess-frame.js';

/**
 * What every preprocess worker of a scope does to a frame for this model card (patch size, input,
 * stain reference) and these options (already checked by createScope). The bench builds its
 * preprocessing-only figure from the same job.
 */
export function preprocessJob(
  card: ModelCard,
  options: Pick<ScopeOptions, 'cellMicrons' | 'normalizeStain' | 'border' | 'stainFitStride'>,
  locateOnly: boolean,
): PreprocessJob {
  const normalize = options.normalizeStain ?? card.stainNormalization ?? true;
  return {
    patchMicrons: card.input.patchMicrons,
    ...(options.cellMicrons ? { cellMicrons: options.cellMicrons } : {}),
    input: { width: card.input.width, height: card.input.height, mean: card.input.mean, std: card.input.std },
    ...(normalize && card.stainReference ? { stainReference: card.stainReference } : {}),
    locateOnly,
    border: options.border ?? 'reflect',
    ...(options.stainFitStride !== undefined ? { stainFitStride: options.stainFitStride } : {}),
  };
}
