import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { SmearscopeError, toSmearscopeError, type SmearscopeErrorCode } from '../errors.js';
import { createScope, type BackendChoice, type ModelSource, type Scope } from '../index.js';
import { aggregateSlide } from './aggregate.js';
import { FRAMES_QUEUE, SLIDES_QUEUE, redisConnection } from './connection.js';
import { createFrameFeed } from './frame-feed.js';
import { decodeFrameError, encodeFrameError, type FrameJobData, type FrameJobResult, type SlideJobData } from './jobs.js';
import { readFrameFile } from './read-frame-file.js';

export interface ClusterWorkerOptions {
  /** Redis URL, e.g. redis://10.0.0.5:6379. */
  queue: string;
  /** Frame jobs taken at once; their cells share inference batches. Default 4. */
  concurrency?: number;
  /** Model card; every worker of a queue must run the same one. Default: the shipped model. */
  model?: ModelSource;
  /** Default 'native' (onnxruntime-node): a worker is a server process. */
  backend?: BackendChoice;
  /** Preprocess workers of the scope. Default: the scope's (cores - 1, at most 4). */
  workers?: number;
  /** Model sessions, each in its own worker (default: one single-threaded session per core, at most 4; ScopeOptions.inferenceSessions). */
  inferenceSessions?: number;
  batchSize?: number;
  /** A job's lock, seconds: a killed worker's jobs go to another worker this long after it died
   * (plus up to one stall check). Renewed at half this period while a frame runs. Default 30. */
  lockSeconds?: number;
  /** Name stored on each job this worker processes. Default host:pid. */
  name?: string;
}

/** What a worker tells as it goes (ClusterWorker.on). */
export interface ClusterWorkerEvents {
  frame: [{ slideId: string; index: number; label: string; cells: number; ms: number }];
  'frame-failed': [{ slideId: string; index: number; label: string; code: SmearscopeErrorCode; message: string; willRetry: boolean }];
  slide: [{ slideId: string; frames: number; failedFrames: number }];
  /** Queue connection errors (Redis restarting, unreachable): the worker reconnects by itself. */
  error: [Error];
}

export interface ClusterWorker extends EventEmitter<ClusterWorkerEvents> {
  readonly name: string;
  readonly scope: Scope;
  /** Stops taking jobs, lets the jobs in hand finish (force: abandons them; the queue hands them to
   * another worker once their lock expires), then disposes the scope. */
  close(options?: { force?: boolean }): Promise<void>;
}

/** Frame errors that another attempt cannot fix: the slide report shows them, the job is not retried. */
const FRAME_FAULTS: ReadonlySet<SmearscopeErrorCode> = new Set([
  'DECODE_FAILED',
  'UNSUPPORTED_FORMAT',
  'INVALID_FRAME',
  'IO_FAILED',
  'INVALID_ARGUMENT',
]);

/**
 * Starts a worker: one warm scope (model session + preprocess workers) serving frame jobs from the
 * queue, and aggregating slides whose frames are all done. Resolves once the scope is ready and the
 * worker is listening.
 */
export async function createClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const connection = redisConnection(options.queue);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new SmearscopeError('INVALID_ARGUMENT', `concurrency must be a positive integer, got ${concurrency}`);
  const lockSeconds = options.lockSeconds ?? 30;
  if (!(lockSeconds >= 1)) throw new SmearscopeError('INVALID_ARGUMENT', `lockSeconds must be at least 1, got ${lockSeconds}`);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const scope = await createScope({
    backend: options.backend ?? 'native',
    ...(options.model ? { model: options.model } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.inferenceSessions ? { inferenceSessions: options.inferenceSessions } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  const cardName = typeof options.model === 'string' ? options.model : options.model ? 'in-memory' : 'default';
  const feed = createFrameFeed(scope);
  const events = new EventEmitter<ClusterWorkerEvents>();
  const identity = { host: hostname(), pid: process.pid, backend: scope.backend };
  const lockDuration = lockSeconds * 1000;
  // Stalled jobs are looked for at the lock's period; a job may stall twice (two dead workers) before it fails.
  const common = { connection, name, lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 };

  const processFrame = async (job: Job<FrameJobData>): Promise<FrameJobResult> => {
    const { slideId, index, path, label, micronsPerPixel, maxFrameBytes } = job.data;
    const startedAt = performance.now();
    let result;
    try {
      const encoded = await readFrameFile(path, maxFrameBytes);
      result = await feed.analyze({ encoded, label, ...(micronsPerPixel !== undefined ? { micronsPerPixel } : {}) });
    } catch (error) {
      throw jobError(toSmearscopeError(error, 'WORKER_CRASHED'));
    }
    if (result.error) throw jobError(new SmearscopeError(result.error.code, result.error.message));
    const analyzeMs = performance.now() - startedAt;
    events.emit('frame', { slideId, index, label, cells: result.cells.length, ms: analyzeMs });
    return { index, result: { ...result, index }, model: { id: scope.card.id, version: scope.card.version }, worker: identity, analyzeMs };
  };

  const processSlide = async (job: Job<SlideJobData>) => {
    const [values, failures] = await Promise.all([job.getChildrenValues<FrameJobResult>(), job.getIgnoredChildrenFailures()]);
    const report = aggregateSlide({ data: job.data, values, failures, scope, cardName });
    const failedFrames = report.frames.filter((frame) => frame.error).length;
    events.emit('slide', { slideId: job.data.slideId, frames: report.frames.length, failedFrames });
    return report;
  };

  const frames = new Worker<FrameJobData, FrameJobResult>(FRAMES_QUEUE, processFrame, { ...common, concurrency });
  const slides = new Worker<SlideJobData>(SLIDES_QUEUE, processSlide, { ...common, concurrency: 1 });
  frames.on('failed', (job, error) => {
    if (!job) return;
    const { code, message } = decodeFrameError(error.message);
    const willRetry = !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
    events.emit('frame-failed', { slideId: job.data.slideId, index: job.data.index, label: job.data.label, code, message, willRetry });
  });
  // Connection errors while Redis restarts are transient (the client reconnects); an EventEmitter
  // throws an 'error' nobody listens to, so it is passed on only to a listener.
  for (const worker of [frames, slides]) worker.on('error', (error) => events.listenerCount('error') > 0 && events.emit('error', error));
  await Promise.all([frames.waitUntilReady(), slides.waitUntilReady()]);

  let closing: Promise<void> | undefined;
  return Object.assign(events, {
    name,
    scope,
    close({ force = false } = {}) {
      closing ??= (async () => {
        await Promise.all([frames.close(force), slides.close(force)]);
        if (!force) await feed.close();
        await scope.dispose();
      })();
      return closing;
    },
  });
}

/** The error a job fails with: frame faults stop at once (UnrecoverableError), the rest are retried. */
function jobError(error: SmearscopeError): Error {
  const reason = encodeFrameError(error.code, error.message);
  return FRAME_FAULTS.has(error.code) ? new UnrecoverableError(reason) : new Error(reason);
}
