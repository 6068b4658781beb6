import type { BackendChoice, BackendName } from '../inference/backend.js';
import type { InferenceHost } from '../inference/host.js';
import { InferenceClient } from './inference-client.js';
import type { InferenceInit } from './worker-api.js';
import type { WorkerHost } from './worker-host.js';

/** How the model's CPU threads are split: `sessions` workers, each an ONNX Runtime session with `threadsPerSession` threads. */
export interface SessionLayout {
  sessions: number;
  /** Undefined: the platform's default for the backend the session resolves to. */
  threadsPerSession: number | undefined;
}

/**
 * The inference layout before any session exists. On a CPU backend the default is one single-threaded
 * session per core (the platform's inferenceSessions, at most 4): while a preprocess worker holds a core, one of a multi-threaded
 * session's threads stalls and the others wait for it at every operator, whereas separate sessions
 * lose only that core's time (end to end 9-18 % more cells/s on 2 cores: bench/README.md). `numThreads`
 * alone keeps the former layout (one session with that many threads). In a page that is not
 * cross-origin isolated each session has one WASM thread anyway, so several sessions are its only
 * way to use more than one core for the model. WebGPU (or auto where it
 * is a candidate) runs one session: planned batches and the GPU's buffers belong to one worker.
 */
export function sessionLayout(
  platform: Pick<InferenceHost, 'candidateBackends' | 'inferenceThreads' | 'inferenceSessions'>,
  backend: BackendChoice,
  options: { inferenceSessions?: number; numThreads?: number },
): SessionLayout {
  const gpuPossible = backend === 'webgpu' || (backend === 'auto' && platform.candidateBackends().includes('webgpu'));
  if (gpuPossible && options.inferenceSessions === undefined) return { sessions: 1, threadsPerSession: options.numThreads };
  const cpu: BackendName =
    backend === 'auto' || backend === 'webgpu' ? (platform.candidateBackends().find((b) => b !== 'webgpu') ?? 'wasm') : backend;
  const threads = platform.inferenceThreads(cpu);
  const sessions = options.inferenceSessions ?? (options.numThreads !== undefined ? 1 : platform.inferenceSessions(cpu));
  return { sessions, threadsPerSession: options.numThreads ?? Math.max(1, Math.floor(threads / sessions)) };
}

/**
 * Opens the scope's inference sessions, each in its own worker: the first decides the backend and
 * dtype (auto's choice), the others open that same backend and dtype. A session bound to a GPU
 * keeps the scope at one (the notes say so when more were asked for). Returns the clients, first
 * first; the stream hands each batch to whichever has room.
 */
export async function openInferenceSessions(
  host: WorkerHost & Pick<InferenceHost, 'candidateBackends'>,
  init: InferenceInit,
  layout: SessionLayout,
  inferenceMs: number,
  events: string[],
): Promise<InferenceClient[]> {
  const withThreads = layout.threadsPerSession !== undefined ? { numThreads: layout.threadsPerSession } : {};
  const first = await InferenceClient.open(host, { ...init, ...withThreads }, inferenceMs, events);
  if (layout.sessions === 1) return [first];
  if (first.backend === 'webgpu') {
    first.notes.push(`webgpu: one session (asked for ${layout.sessions}: a GPU session's buffers belong to one worker)`);
    return [first];
  }
  const rest = await Promise.allSettled(
    Array.from({ length: layout.sessions - 1 }, () =>
      InferenceClient.open(host, { ...init, ...withThreads, backend: first.backend, dtype: first.dtype }, inferenceMs, events),
    ),
  );
  const failed = rest.find((settled) => settled.status === 'rejected');
  const opened = rest.flatMap((settled) => (settled.status === 'fulfilled' ? [settled.value] : []));
  if (failed) {
    await Promise.all([first, ...opened].map((client) => client.dispose()));
    throw failed.reason;
  }
  return [first, ...opened];
}
