import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import type { KernelInstance } from '../../src/kernels/load.js';
import { preprocessFrame, type PreprocessJob } from '../../src/pipeline/preprocess-frame.js';

/**
 * The preprocessing a scope does for `card` with createScope's defaults (stain fit on every 4th
 * pixel, stain normalized to the card's reference when it has one, reflected borders), so a bare
 * session is fed exactly what the pipeline would feed it.
 */
export function preprocessJobFor(card: ModelCard): PreprocessJob {
  return {
    patchMicrons: card.input.patchMicrons,
    input: { width: card.input.width, height: card.input.height, mean: card.input.mean, std: card.input.std },
    ...(card.stainReference ? { stainReference: card.stainReference } : {}),
    locateOnly: false,
    border: 'reflect',
    stainFitStride: 4,
  };
}

/**
 * One [batchSize, 3, H, W] batch of real model inputs: the cells of `frames` located and prepared
 * for `card` by the kernels on this thread, repeated in order when there are fewer than
 * batchSize. Returns a new buffer owned by the caller. Throws INVALID_FRAME when no frame has a cell.
 */
export function realPatchBatch(kernels: KernelInstance, frames: readonly Frame[], card: ModelCard, batchSize: number): Float32Array {
  const job = preprocessJobFor(card);
  const cellFloats = 3 * card.input.width * card.input.height;
  const batch = new Float32Array(batchSize * cellFloats);
  let filled = 0;
  for (const frame of frames) {
    const prepared = preprocessFrame(kernels, frame, job);
    for (let cell = 0; prepared.patches && cell < prepared.cells.length && filled < batchSize; cell++, filled++) {
      batch.set(prepared.patches.subarray(cell * cellFloats, (cell + 1) * cellFloats), filled * cellFloats);
    }
    if (filled === batchSize) return batch;
  }
  if (filled === 0) throw new SmearscopeError('INVALID_FRAME', `no cell was found in ${frames.length} frame(s) to feed model "${card.id}"`);
  for (let slot = filled; slot < batchSize; slot++)
    batch.copyWithin(slot * cellFloats, (slot % filled) * cellFloats, ((slot % filled) + 1) * cellFloats);
  return batch;
}
