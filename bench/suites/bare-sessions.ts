import { platform } from '#platform';
import { workerHost } from '#platform-spawn';
import type { BackendName, BatchOutputs } from '../../src/inference/backend.js';
import type { Dtype } from '../../src/inference/dtype.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { InferenceClient } from '../../src/pipeline/inference-client.js';

/** No bare batch may take longer than this, milliseconds (a stuck worker fails the plan, not the bench). */
const BARE_BATCH_MS = 120_000;

export interface BareSessions {
  /** ONNX Runtime's threads in each session. */
  threads: number;
  runtime: string;
  /** Runs `runs` batches of `patches` spread over the sessions, each session back to back; wall milliseconds. */
  runBatches(patches: Float32Array, runs: number): Promise<number>;
  /** One batch on the first session (its outputs: real logits for the post-processing figure). */
  runOne(patches: Float32Array): Promise<BatchOutputs>;
  dispose(): Promise<void>;
}

/**
 * The pipeline's baseline: the scope's inference layout (`sessions` ONNX Runtime sessions of
 * `threads` threads, each in its own inference worker, as createScope opens them) fed the same
 * ready batch of real patches back to back, with no preprocessing and no scheduler. What the
 * pipeline adds over it is the preprocessing's share of the cores, the handoffs and the packing.
 */
export async function openBareSessions(
  card: ModelCard,
  modelBytes: Uint8Array,
  backend: BackendName,
  batchSize: number,
  layout: { sessions: number; threads: number },
  dtype: { dtype: Dtype; fp16Bytes?: Uint8Array } = { dtype: 'fp32' },
): Promise<BareSessions> {
  const host = { ...platform, ...workerHost };
  const init = {
    card,
    modelBytes,
    backend,
    batchSize,
    numThreads: layout.threads,
    dtype: dtype.dtype,
    ...(dtype.fp16Bytes ? { fp16Bytes: dtype.fp16Bytes } : {}),
  };
  const events: string[] = [];
  const clients: InferenceClient[] = [];
  try {
    for (let i = 0; i < layout.sessions; i++) clients.push(await InferenceClient.open(host, init, BARE_BATCH_MS, events));
  } catch (error) {
    await Promise.all(clients.map((client) => client.dispose()));
    throw error;
  }
  const fill = (patches: Float32Array) => (batch: Float32Array) => batch.set(patches);
  return {
    threads: clients[0].threads,
    runtime: clients[0].runtime,
    async runBatches(patches, runs) {
      let next = 0;
      const startedAt = performance.now();
      await Promise.all(
        clients.map(async (client) => {
          while (next < runs) {
            next++;
            await client.run(fill(patches));
          }
        }),
      );
      if (events.length > 0) throw new Error(`a bare session failed: ${events.join('; ')}`);
      return performance.now() - startedAt;
    },
    runOne: (patches) => clients[0].run(fill(patches)),
    async dispose() {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}
