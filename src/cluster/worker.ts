import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { checkInteger, checkKnownKeys, checkOptionsObject, checkPositive } from '../check-options.js';
import { SmearscopeError, toSmearscopeError, type SmearscopeErrorCode } from '../errors.js';
import { createScope, type BackendChoice, type ModelSource, type Scope, type ScopeOptions } from '../index.js';
import { needsRunCalibration } from '../scale/resolve.js';
import { aggregateSlide } from './aggregate.js';
import { FRAMES_QUEUE, SLIDES_QUEUE, checkQueue, redisConnection } from './connection.js';
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
  /** The scope's per-frame limits (largest frame, stage timeouts; ScopeOptions.frameLimits). */
  frameLimits?: ScopeOptions['frameLimits'];
}

/** The options createClusterWorker knows: any other key is a typo (INVALID_ARGUMENT naming the nearest). */
const WORKER_OPTION_KEYS = {
  queue: true,
  concurrency: true,
  model: true,
  backend: true,
  workers: true,
  inferenceSessions: true,
  batchSize: true,
  lockSeconds: true,
  name: true,
  frameLimits: true,
} as const satisfies Record<keyof ClusterWorkerOptions, true>;

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
  /** Resolves once Redis has answered and the worker takes jobs; until then it retries for as long
   * as it takes (a worker may start before Redis), each failed attempt an 'error' event. */
  readonly ready: Promise<void>;
  /** Frame and slide jobs being processed now. */
  readonly jobsInHand: number;
  /** Stops taking jobs, lets the jobs in hand finish (force: abandons them; the queue hands them to
   * another worker once their lock expires), then disposes the scope. With no job in hand it does
   * not wait for Redis (a worker stopped while Redis is down stops at once). */
  close(options?: { force?: boolean }): Promise<void>;
}

/** Frame errors that another attempt cannot fix: the slide report shows them, the job is not retried. */
const FRAME_FAULTS: ReadonlySet<SmearscopeErrorCode> = new Set([
  'DECODE_FAILED',
  'UNSUPPORTED_FORMAT',
  'INVALID_FRAME',
  'IO_FAILED',
  'INVALID_ARGUMENT',
  'FRAME_TOO_LARGE',
]);

/**
 * Starts a worker: one warm scope (model session + preprocess workers) serving frame jobs from the
 * queue, and aggregating slides whose frames are all done. Resolves once the scope is ready (a bad
 * option or model fails here); the worker takes jobs once Redis answers (`ready`).
 */
export async function createClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  checkOptionsObject('createClusterWorker options', options);
  checkKnownKeys('createClusterWorker options', options, WORKER_OPTION_KEYS);
  checkQueue(options?.queue);
  const connection = redisConnection(options.queue);
  checkInteger('concurrency', options.concurrency, 1, 1024);
  const concurrency = options.concurrency ?? 4;
  checkPositive('lockSeconds', options.lockSeconds);
  const lockSeconds = options.lockSeconds ?? 30;
  if (!(lockSeconds >= 1)) throw new SmearscopeError('INVALID_ARGUMENT', `lockSeconds must be at least 1 (seconds), got ${lockSeconds}`);
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === ''))
    throw new SmearscopeError('INVALID_ARGUMENT', 'name must be a non-empty string');
  const name = options.name ?? `${hostname()}:${process.pid}`;
  // createScope checks the rest (model, backend, workers, sessions, batch, frame limits).
  const scope = await createScope({
    backend: options.backend ?? 'native',
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.inferenceSessions !== undefined ? { inferenceSessions: options.inferenceSessions } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.frameLimits !== undefined ? { frameLimits: options.frameLimits } : {}),
  });
  const cardName = typeof options.model === 'string' ? options.model : options.model ? 'in-memory' : 'default';
  const feed = createFrameFeed(scope);
  let jobsInHand = 0;
  const events = new EventEmitter<ClusterWorkerEvents>();
  const identity = { host: hostname(), pid: process.pid, backend: scope.backend };
  const lockDuration = lockSeconds * 1000;
  // Stalled jobs are looked for at the lock's period; a job may stall twice (two dead workers) before it fails.
  const common = { connection, name, lockDuration, stalledInterval: lockDuration, maxStalledCount: 2 };

  /** `work` counted in jobsInHand while it runs. */
  const inHand =
    <T, R>(work: (job: T) => Promise<R>) =>
    async (job: T): Promise<R> => {
      jobsInHand++;
      try {
        return await work(job);
      } finally {
        jobsInHand--;
      }
    };

  const processFrame = async (job: Job<FrameJobData>): Promise<FrameJobResult> => {
    const { slideId, index, path, label, micronsPerPixel, maxFrameBytes } = job.data;
    const startedAt = performance.now();
    let result;
    try {
      const encoded = await readFrameFile(path, maxFrameBytes);
      result = await feed.analyze({ encoded, label, ...(micronsPerPixel !== undefined ? { micronsPerPixel } : {}) }, slideId);
    } catch (error) {
      throw jobError(toSmearscopeError(error, 'WORKER_CRASHED'));
    }
    if (result.error) {
      const error = new SmearscopeError(result.error.code, result.error.message);
      // Refused only because this worker had no scale calibration of the slide yet (the frame
      // cannot measure its own): another attempt, after the slide's other frames, can have one.
      throw jobError(error, needsRunCalibration(error));
    }
    const analyzeMs = performance.now() - startedAt;
    return { index, result: { ...result, index }, model: { id: scope.card.id, version: scope.card.version }, worker: identity, analyzeMs };
  };

  const processSlide = async (job: Job<SlideJobData>) => {
    const [values, failures] = await Promise.all([job.getChildrenValues<FrameJobResult>(), job.getIgnoredChildrenFailures()]);
    const report = aggregateSlide({ data: job.data, values, failures, scope, cardName });
    const failedFrames = report.frames.filter((frame) => frame.error).length;
    events.emit('slide', { slideId: job.data.slideId, frames: report.frames.length, failedFrames });
    return report;
  };

  const frames = new Worker<FrameJobData, FrameJobResult>(FRAMES_QUEUE, inHand(processFrame), { ...common, concurrency });
  const slides = new Worker<SlideJobData>(SLIDES_QUEUE, inHand(processSlide), { ...common, concurrency: 1 });
  // Told once the queue has stored the result (not when analyzed: a result lost to a Redis outage
  // is analyzed again, and would have been told twice).
  frames.on('completed', (job, value) => {
    const { slideId, index, label } = job.data;
    events.emit('frame', { slideId, index, label, cells: value.result.cells.length, ms: value.analyzeMs });
  });
  frames.on('failed', (job, error) => {
    if (!job) return;
    const { code, message } = decodeFrameError(error.message);
    const willRetry = !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
    events.emit('frame-failed', { slideId: job.data.slideId, index: job.data.index, label: job.data.label, code, message, willRetry });
  });
  // Connection errors while Redis restarts are transient (the client reconnects); an EventEmitter
  // throws an 'error' nobody listens to, so it is passed on only to a listener.
  for (const worker of [frames, slides]) worker.on('error', (error) => events.listenerCount('error') > 0 && events.emit('error', error));
  const ready = Promise.all([frames.waitUntilReady(), slides.waitUntilReady()]).then(() => undefined);
  ready.catch(() => undefined); // a close before Redis answered rejects it; nobody need wait for it then

  let closing: Promise<void> | undefined;
  const worker = Object.assign(events, {
    name,
    scope,
    ready,
    close({ force = false } = {}) {
      closing ??= (async () => {
        // BullMQ's graceful close waits for Redis; with nothing to finish there is nothing to wait for.
        const abandon = force || jobsInHand === 0;
        await Promise.all([frames.close(abandon), slides.close(abandon)]);
        if (!force) await feed.close();
        await scope.dispose();
      })();
      return closing;
    },
  });
  // A getter (Object.assign would copy the count once, as 0).
  return Object.defineProperty(worker, 'jobsInHand', { get: () => jobsInHand, enumerable: true }) as ClusterWorker;
}

/** The error a job fails with: frame faults stop at once (UnrecoverableError) unless `retry`, the rest are retried. */
function jobError(error: SmearscopeError, retry = false): Error {
  const reason = encodeFrameError(error.code, error.message);
  return FRAME_FAULTS.has(error.code) && !retry ? new UnrecoverableError(reason) : new Error(reason);
}
