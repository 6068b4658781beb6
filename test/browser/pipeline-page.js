// Loaded in the test page: runs frames through the browser build of smearscope (module workers,
// onnxruntime-web) and returns JSON-able results.
import { createScope } from '/dist/browser/index.js';
import { toFrames } from './page-frames.js';

export async function analyze(cardUrl, backend, frames, options = {}) {
  const scope = await createScope({ model: cardUrl, backend, workers: 1, batchSize: 4, ...(options.scope ?? {}) });
  const hooks = scope[Symbol.for('smearscope.testing')];
  const patchesOn = hooks.patchesOn;
  try {
    // asWriters: each frame as a WriterFrame (src/frame.ts) that copies its pixels into the target
    // it is given, noting whether that target is shared memory (a worker's kernel memory).
    const writerTargets = [];
    const inputs = options.asWriters ? toFrames(frames).map((frame) => asWriter(frame, writerTargets)) : toFrames(frames);
    const results = [];
    // The scope's test hooks (src/testing.ts reads them the same way).
    if (options.loseDeviceFirst) await hooks.loseGpuDevice();
    if (options.gpuFrameBytes !== undefined) await hooks.limitGpuFrameBytes(options.gpuFrameBytes);
    for await (const r of scope.analyzeStream(inputs)) {
      results.push({
        label: r.label,
        error: r.error,
        patchesMs: r.timingsMs.patches,
        cells: r.cells.map((c) => ({ x: c.x, y: c.y, class: c.decision?.class, probs: c.decision?.probs })),
      });
    }
    return {
      backend: scope.backend,
      reason: scope.backendReason,
      notes: scope.notes,
      events: scope.events,
      crossOriginIsolated,
      patchesOn,
      frameHandoffs: hooks.frameHandoffs,
      writerTargets,
      inferenceLayout: hooks.inferenceLayout,
      hardwareConcurrency: navigator.hardwareConcurrency,
      results,
    };
  } finally {
    await scope.dispose();
  }
}

/** `frame` as a WriterFrame; each call notes 'shared' or 'plain' (its target's buffer) in `targets`. */
function asWriter(frame, targets) {
  const { pixels, ...header } = frame;
  return {
    ...header,
    writePixels(target) {
      // A page that is not cross-origin isolated has no SharedArrayBuffer at all.
      const shared = typeof SharedArrayBuffer !== 'undefined' && target.buffer instanceof SharedArrayBuffer;
      targets.push(shared ? 'shared' : 'plain');
      target.set(pixels);
    },
  };
}
