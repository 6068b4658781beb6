// Loaded in the test page: classifies held-out cell images with the browser build of smearscope on a
// chosen backend and dtype, and says what the WebGPU adapter offers.
import { createScope } from '/dist/browser/index.js';

/** The adapter's 'shader-f16', or null without an adapter (no WebGPU here). */
export async function adapterShaderF16() {
  const adapter = await navigator.gpu?.requestAdapter();
  return adapter ? adapter.features.has('shader-f16') : null;
}

/** Each image's single cell through createScope; probabilities in order, or the error's code and message. */
export async function classifyCells(cardUrl, backend, dtype, imageUrls, micronsPerPixel) {
  let scope;
  try {
    scope = await createScope({ model: cardUrl, backend, dtype, workers: 1, batchSize: imageUrls.length ? 8 : 1, cacheModel: false });
  } catch (error) {
    return { error: { code: error.code, message: error.message } };
  }
  try {
    const frames = await Promise.all(
      imageUrls.map(async (url) => ({ encoded: new Uint8Array(await (await fetch(url)).arrayBuffer()), label: url })),
    );
    const probs = [];
    const errors = [];
    for await (const result of scope.analyzeStream(frames, { singleCell: true, ...(micronsPerPixel ? { micronsPerPixel } : {}) })) {
      if (result.error) errors.push(result.error.message);
      else probs.push(result.cells[0].decision.probs);
    }
    return { backend: scope.backend, dtype: scope.dtype, notes: scope.notes, probs, errors };
  } finally {
    await scope.dispose();
  }
}
