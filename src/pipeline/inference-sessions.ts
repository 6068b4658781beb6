import type { BackendChoice, BackendName } from '../inference/backend.js';
import type { InferenceHost } from '../inference/host.js';
import { InferenceClient } from './inference-client.js';
import type { InferenceInit } from './worker-api.js';
import type { WorkerHost } from './worker-host.js';

/** How the model's CPU threads are split: `sessions` workers, each an ONNX Runtime session with `threadsPerSession` threads. */
export interface SessionLayout {
  sessions: number;
  /** The caller asked for this many (inferenceSessions): all must open, or the scope fails. */
  asked: boolean;
  /** Undefined: the platform's default for the backend the session resolves to. */
  threadsPerSession: number | undefined;
}

/**
 * The inference layout before any session exists. On a CPU backend the default is one
 * single-threaded session per core (the platform's inferenceSessions, at most 4): while a preprocess
 * worker holds a core, one of a multi-threaded session's threads stalls and the others wait for it
 * at every operator, whereas separate sessions lose only that core's time (end to end 1-23 % more
 * cells/s on 2 cores: bench/README.md). In a page that is not cross-origin isolated each session
 * has one WASM thread anyway, so several sessions are its only way to use more than one core.
 * `numThreads` alone keeps one session of that many threads. WebGPU runs one session (planned
 * batches and the GPU's buffers belong to one worker): asked for, or `auto` where
 * `webgpuLikely` (a hardware adapter is there, see hardwareAdapterPresent).
 */
export function sessionLayout(
  platform: Pick<InferenceHost, 'candidateBackends' | 'inferenceThreads' | 'inferenceSessions'>,
  backend: BackendChoice,
  options: { inferenceSessions?: number; numThreads?: number },
  webgpuLikely: boolean,
): SessionLayout {
  const gpu = backend === 'webgpu' || (backend === 'auto' && webgpuLikely);
  const asked = options.inferenceSessions !== undefined;
  if (gpu && !asked) return { sessions: 1, asked, threadsPerSession: options.numThreads };
  const cpu: BackendName =
    backend === 'auto' || backend === 'webgpu' ? (platform.candidateBackends().find((b) => b !== 'webgpu') ?? 'wasm') : backend;
  const threads = platform.inferenceThreads(cpu);
  const sessions = options.inferenceSessions ?? (options.numThreads !== undefined ? 1 : platform.inferenceSessions(cpu));
  return { sessions, asked, threadsPerSession: options.numThreads ?? Math.max(1, Math.floor(threads / sessions)) };
}

/**
 * The session that takes the next batch: of those with fewer than `maxInFlight` batches in flight,
 * the one with the fewest; of equals, the one whose last batch started longest ago (`lastBatch`, a
 * sequence number), so a slow source that lets every batch finish before the next still spreads
 * them over all sessions (each stays warm, and a dead one is found and restarted at once).
 * Undefined when every session is full.
 */
export function nextSession<T extends { inFlight: number; lastBatch: number }>(sessions: readonly T[], maxInFlight: number): T | undefined {
  let best: T | undefined;
  for (const session of sessions) {
    if (session.inFlight >= maxInFlight) continue;
    if (!best || session.inFlight < best.inFlight || (session.inFlight === best.inFlight && session.lastBatch < best.lastBatch))
      best = session;
  }
  return best;
}

/**
 * Opens the scope's inference sessions, each in its own worker: the first decides the backend and
 * dtype (auto's choice), the others open that same backend and dtype. A session bound to a GPU
 * keeps the scope at one (the notes say so when more were asked for). When the count was the
 * default, sessions after the first that fail to open (memory) are left out with an event; an
 * asked-for count must open whole. Returns the clients, first first; the stream hands each batch
 * to the session with the fewest in flight (nextSession).
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
  const failed = rest.flatMap((settled) => (settled.status === 'rejected' ? [settled.reason as unknown] : []));
  const opened = rest.flatMap((settled) => (settled.status === 'fulfilled' ? [settled.value] : []));
  if (failed.length > 0 && layout.asked) {
    await Promise.all([first, ...opened].map((client) => client.dispose()));
    throw failed[0];
  }
  if (failed.length > 0) {
    // The default count is a speed-up, not a requirement: run with the sessions that opened.
    const reason = failed[0] instanceof Error ? failed[0].message : String(failed[0]);
    events.push(`${failed.length} of ${layout.sessions} inference sessions did not open (${reason}); running with ${opened.length + 1}`);
  }
  return [first, ...opened];
}
