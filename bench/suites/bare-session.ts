import { platform as basePlatform } from '#platform';
import { ortLoader } from '#platform-ort';
import type { BackendName } from '../../src/inference/backend.js';
import type { ClassifierSession } from '../../src/inference/classifier-session.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import type { Dtype } from '../../src/inference/dtype.js';
import { openSession } from '../../src/inference/open-session.js';

const platform = { ...basePlatform, ...ortLoader };

export interface BareSession {
  session: ClassifierSession;
  /** Creation plus the session's own warm-up run (createOrtSession always does one), milliseconds. */
  sessionMs: number;
}

/**
 * The models suite's baseline: one ONNX Runtime session on this thread, opened by the same code as
 * an inference worker's, with all of the platform's inference threads (the pipeline suite's bare
 * baseline is the scope's own layout of sessions: bare-sessions.ts), fed straight from a ready batch.
 */
export async function openBareSession(
  card: ModelCard,
  modelBytes: Uint8Array,
  backend: BackendName,
  batchSize: number,
  dtype: { dtype: Dtype; fp16Bytes?: Uint8Array } = { dtype: 'fp32' },
): Promise<BareSession> {
  const threads = platform.inferenceThreads(backend);
  const startedAt = performance.now();
  const { session } = await openSession(platform, card, modelBytes, backend, batchSize, { numThreads: threads, ...dtype });
  return { session, sessionMs: performance.now() - startedAt };
}
