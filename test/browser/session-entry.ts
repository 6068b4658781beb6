// Bundled by the browser tests (esbuild) and loaded in the page: runs one batch of a model through
// smearscope's session code on a chosen onnxruntime-web backend.
import * as ort from 'onnxruntime-web';
import type { BackendName, OrtModule } from '../../src/inference/backend.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { createOrtSession } from '../../src/inference/ort-session.js';

export async function runBatch(cardUrl: string, backend: BackendName, batchSize: number, input: number[]) {
  const card = (await (await fetch(cardUrl)).json()) as ModelCard;
  const modelBytes = new Uint8Array(await (await fetch(new URL(card.model, new URL(cardUrl, location.href)))).arrayBuffer());
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  const session = await createOrtSession(ort as unknown as OrtModule, modelBytes, card, { backend, batchSize });
  try {
    const outputs = await session.run(Float32Array.from(input));
    return {
      backend: session.backend,
      notes: session.notes,
      logits: Array.from(outputs.logits),
      features: outputs.features ? Array.from(outputs.features) : [],
    };
  } finally {
    await session.dispose();
  }
}
