// Bundled by the browser tests (esbuild) and loaded in the page: runs one batch of a model through
// smearscope's session code on a chosen onnxruntime-web backend, loaded as the SDK loads it
// (src/platform/browser-ort.ts: the build of that backend, from dist/ort).
import type { BackendName } from '../../src/inference/backend.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { createOrtSession } from '../../src/inference/ort-session.js';
import { ortLoader } from '../../src/platform/browser-ort.js';

export async function runBatch(cardUrl: string, backend: BackendName, batchSize: number, input: number[]) {
  const card = (await (await fetch(cardUrl)).json()) as ModelCard;
  const modelBytes = new Uint8Array(await (await fetch(new URL(card.model, new URL(cardUrl, location.href)))).arrayBuffer());
  const ort = await ortLoader.loadOrt(backend, '/dist/');
  const session = await createOrtSession(ort, modelBytes, card, { backend, batchSize, numThreads: 1 });
  try {
    const outputs = await session.run(Float32Array.from(input));
    return {
      backend: session.backend,
      runtime: session.runtime,
      notes: session.notes,
      logits: Array.from(outputs.logits),
      features: outputs.features ? Array.from(outputs.features) : [],
    };
  } finally {
    await session.dispose();
  }
}
