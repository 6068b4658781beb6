// Loaded in the test page: imports a copy of the browser build from `bundleUrl` (as a host would
// serve it; null: the page's IIFE bundle, global `smearscope`), analyzes frames with `options`
// (createScope's), and returns what happened: results, model-loading progress, or the typed error.
import { toFrames } from './page-frames.js';

// `failProgress`: onProgress throws after recording each call (a host UI with a bug).
export async function run(bundleUrl, { failProgress, ...options }, frames) {
  const { createScope, models } = bundleUrl ? await import(bundleUrl) : globalThis.smearscope;
  const progress = [];
  let scope;
  try {
    scope = await createScope({
      workers: 1,
      batchSize: 4,
      ...options,
      model: options.model ?? models[0].id,
      onProgress: (p) => {
        progress.push(p);
        if (failProgress) throw new Error('a bug in the host UI');
      },
    });
    const inputs = toFrames(frames);
    const results = [];
    for await (const r of scope.analyzeStream(inputs)) {
      results.push({
        label: r.label,
        error: r.error && { code: r.error.code, message: r.error.message },
        cells: r.cells.map((c) => ({ x: c.x, y: c.y, class: c.decision?.class, probs: c.decision?.probs })),
      });
    }
    return {
      models: models.map((m) => m.id),
      backend: scope.backend,
      reason: scope.backendReason,
      notes: scope.notes,
      events: scope.events,
      crossOriginIsolated,
      progress,
      results,
    };
  } catch (error) {
    return { models: models.map((m) => m.id), error: { code: error.code, message: error.message }, progress };
  } finally {
    await scope?.dispose();
  }
}
