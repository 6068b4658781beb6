import { SmearscopeError } from '../errors.js';
import type { ModelCard } from './model-card-types.js';

/** Largest batch a scope accepts (cells per inference run). */
export const MAX_BATCH_SIZE = 1024;
/** Cells per inference run when neither the caller nor the card fixes it. */
export const DEFAULT_BATCH_SIZE = 8;

/** The one check of a batch size (cells per inference run, a static shape of the model input). */
export function checkBatchSize(batchSize: unknown): asserts batchSize is number {
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new SmearscopeError('INVALID_ARGUMENT', `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
}

/** The batch size a scope runs: the caller's, else the card's fixed batch (`input.batch`), else DEFAULT_BATCH_SIZE. */
export function resolveBatchSize(requested: number | undefined, card: ModelCard): number {
  return requested ?? card.input.batch ?? DEFAULT_BATCH_SIZE;
}

/**
 * A graph with a fixed batch runs batches of exactly that size: MODEL_MISMATCH for any other. The
 * size reaches us as the API's `batchSize` or the CLI's `--batch`, and we cannot tell which, so the
 * advice names both.
 */
export function checkCardBatch(batchSize: number, card: ModelCard): void {
  const fixed = card.input.batch;
  if (fixed == null || fixed === batchSize) return;
  throw new SmearscopeError(
    'MODEL_MISMATCH',
    `model "${card.id}" has a fixed batch of ${fixed} (its card's input.batch) and cannot run batches of ${batchSize}; ` +
      `leave the batch size unset to use ${fixed}, or set it to ${fixed} (createScope option batchSize, CLI flag --batch)`,
  );
}
