import { SmearscopeError } from '../errors.js';
import type { InferenceHost, OrtLoader } from './host.js';
import { checkBackendChoice, type BackendChoice, type BackendName } from './backend.js';
import type { ClassifierSession } from './classifier-session.js';
import { resolveDtype, type DtypeChoice } from './dtype.js';
import type { ModelCard } from './model-card-types.js';
import { createOrtSession } from './ort-session.js';

export interface OpenedSession {
  session: ClassifierSession;
  /** Why this backend: the choice made and what was tried before it. */
  reason: string;
}

/**
 * Opens a classifier session on the chosen backend. `auto` tries the platform's candidates fastest
 * first (webgpu > native > wasm) and keeps the first that loads the model and survives its warm-up
 * run, skipping those the platform advises against (a software WebGPU adapter); the reason lists
 * what was skipped or failed before it. On each backend `options.dtype` (default 'auto') picks the
 * float32 graph (`modelBytes`) or the card's float16 one (`options.fp16Bytes`, see resolveDtype);
 * the choice and its reason are the session's first note.
 */
export async function openSession(
  platform: InferenceHost & OrtLoader,
  card: ModelCard,
  modelBytes: Uint8Array,
  choice: BackendChoice,
  batchSize: number,
  options: { graphCapture?: boolean; numThreads?: number; dtype?: DtypeChoice; fp16Bytes?: Uint8Array } = {},
): Promise<OpenedSession> {
  checkBackendChoice(choice);
  const candidates: BackendName[] = choice === 'auto' ? platform.candidateBackends() : [choice];
  const failures: string[] = [];
  let lastError: unknown;
  for (const backend of candidates) {
    const skip = choice === 'auto' ? await platform.autoSkipReason(backend) : undefined;
    if (skip) {
      failures.push(`${backend}: skipped, ${skip}; wasm is faster`);
      continue;
    }
    try {
      const shaderF16 = backend === 'webgpu' ? await platform.webgpuShaderF16() : false;
      const { dtype, note } = resolveDtype(options.dtype ?? 'auto', backend, options.fp16Bytes !== undefined, shaderF16);
      const ort = await platform.loadOrt(backend);
      const session = await createOrtSession(ort, dtype === 'fp16' ? options.fp16Bytes! : modelBytes, card, {
        backend,
        batchSize,
        dtype,
        numThreads: options.numThreads ?? platform.inferenceThreads(backend),
        ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
      });
      session.notes.unshift(note);
      const reason =
        choice === 'auto'
          ? `auto picked ${backend}${failures.length ? ` after: ${failures.join('; ')}` : ' (fastest available here)'}`
          : `${backend} as requested`;
      return { session, reason };
    } catch (error) {
      if (choice !== 'auto') throw error;
      lastError = error;
      const first = (error as Error).message.split('\n')[0];
      failures.push(first.startsWith(`${backend}:`) ? first : `${backend}: ${first}`);
    }
  }
  // A card that does not match its graph fails everywhere: say that, not "no backend".
  if (lastError instanceof SmearscopeError && lastError.code === 'MODEL_MISMATCH') throw lastError;
  throw new SmearscopeError(
    'BACKEND_UNAVAILABLE',
    `no backend could run model "${card.id}" (${failures.join('; ')}); try backend 'wasm' (CLI: --backend wasm)`,
  );
}
