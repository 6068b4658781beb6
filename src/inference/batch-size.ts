import { SmearscopeError } from '../errors.js';

/** Largest batch a scope accepts (cells per inference run). */
export const MAX_BATCH_SIZE = 1024;

/** The one check of a batch size (cells per inference run, a static shape of the model input). */
export function checkBatchSize(batchSize: unknown): asserts batchSize is number {
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new SmearscopeError('INVALID_ARGUMENT', `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
}
