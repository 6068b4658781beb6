import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import {
  checkInteger,
  checkKnownKeys,
  checkNonEmptyArray,
  checkOptionsObject,
  checkPositive,
  checkRequiredString,
} from '../check-options.js';
import { SmearscopeError } from '../errors.js';
import { checkMicronsPerPixel } from '../frame.js';
import type { SlideReport } from './aggregate.js';
import { FRAMES_QUEUE, SLIDES_QUEUE, checkQueue, connected, redisConnection } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES, checkSlideId, frameJobId, type FrameJobData, type SlideJobData } from './jobs.js';
import { readSlideStatus, type SlideProgress, type SlideStatus } from './slide-status.js';

export interface SubmitSlideOptions {
  /** Redis URL, e.g. redis://10.0.0.5:6379. */
  queue: string;
  /** Frame files in slide order. Paths, resolved here to absolute ones: every worker must see them
   * at that same path (a shared filesystem). */
  frames: readonly string[];
  /** Default: slide-<UTC time>-<random>. Letters, digits, '.', '_', '-'. */
  slideId?: string;
  /** Scale of every frame; when absent each worker estimates it per frame. */
  micronsPerPixel?: number;
  /** Counted cells wanted for the differential. Default 200. */
  targetCount?: number;
  /** Frames over this many bytes fail with INVALID_FRAME. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Attempts per frame when a worker dies or its pipeline breaks (frame faults are never retried). Default 3. */
  frameAttempts?: number;
}

/** Every key of SubmitSlideOptions (`satisfies` keeps the list complete and exact as options change). */
const SUBMIT_OPTION_KEYS = {
  queue: true,
  frames: true,
  slideId: true,
  micronsPerPixel: true,
  targetCount: true,
  maxFrameBytes: true,
  frameAttempts: true,
} as const satisfies Record<keyof SubmitSlideOptions, true>;

/** What `getSlideStatus` needs to find a slide. */
export interface SlideStatusOptions {
  /** Redis URL, e.g. redis://10.0.0.5:6379. */
  queue: string;
  slideId: string;
}

const STATUS_OPTION_KEYS = { queue: true, slideId: true } as const satisfies Record<keyof SlideStatusOptions, true>;

/** How `SlideSubmission.report` waits. */
export interface SlideReportOptions {
  /** Milliseconds between two looks at the queue. Default 100. */
  pollMs?: number;
  /** Stops the wait (ABORTED); the slide goes on in the workers. */
  signal?: AbortSignal;
}

const REPORT_OPTION_KEYS = { pollMs: true, signal: true } as const satisfies Record<keyof SlideReportOptions, true>;

/** More cells than any differential counts (a manual one counts 100-500): a larger value is a mistake. */
const MAX_TARGET_COUNT = 1_000_000;

export interface SlideSubmissionEvents {
  progress: [SlideProgress];
}

export interface SlideSubmission extends EventEmitter<SlideSubmissionEvents> {
  readonly slideId: string;
  readonly frameCount: number;
  /** Waits for the slide's frames and differential, polling every `pollMs` (default 100) and emitting 'progress'
   * whenever a count changes. Survives a Redis restart (it waits for the reconnect). */
  report(options?: SlideReportOptions): Promise<SlideReport>;
  /** Where the slide stands now (once). */
  status(): Promise<SlideStatus>;
  /** Closes this submitter's Redis connections; the slide goes on in the workers. */
  close(): Promise<void>;
}

/** Jobs are kept a week after they finish, then removed (the report with them). */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * Puts a slide on the queue: one slide job, one child frame job per frame. Workers analyze the
 * frames; the last one done queues the slide job, which a worker aggregates into the report.
 * Refuses (INVALID_ARGUMENT) a slide id already on the queue.
 */
export async function submitSlide(options: SubmitSlideOptions): Promise<SlideSubmission> {
  checkSubmitOptions(options);
  const connection = redisConnection(options.queue);
  const slideId = options.slideId ?? `slide-${new Date().toISOString().replace(/[:.]/g, '')}-${Math.random().toString(36).slice(2, 8)}`;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const attempts = options.frameAttempts ?? 3;

  const slides = new Queue(SLIDES_QUEUE, { connection });
  const flows = new FlowProducer({ connection });
  // While Redis restarts the clients report connection errors and reconnect; polling carries on.
  slides.on('error', () => undefined);
  flows.on('error', () => undefined);
  const close = async () => {
    await Promise.all([slides.close(), flows.close()]);
  };
  try {
    await connected(slides, options.queue);
    if (await slides.getJob(slideId)) {
      throw new SmearscopeError(
        'INVALID_ARGUMENT',
        `slide "${slideId}" is already on the queue; ask "smearscope status" for it, or pick another --slide`,
      );
    }
    const labels = [...options.frames];
    const data: SlideJobData = { slideId, frameCount: labels.length, labels, targetCount: options.targetCount ?? 200 };
    await flows.add({
      name: 'slide',
      queueName: SLIDES_QUEUE,
      data,
      opts: { jobId: slideId, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } },
      children: labels.map((label, index) => {
        const frame: FrameJobData = {
          slideId,
          index,
          path: resolve(label),
          label,
          ...(options.micronsPerPixel !== undefined ? { micronsPerPixel: options.micronsPerPixel } : {}),
          maxFrameBytes,
        };
        return {
          name: 'frame',
          queueName: FRAMES_QUEUE,
          data: frame,
          opts: {
            jobId: frameJobId(slideId, index),
            attempts,
            backoff: { type: 'exponential', delay: 1000 },
            // A frame that fails for good still lets the slide finish; the report lists its error.
            ignoreDependencyOnFailure: true,
            removeOnComplete: { age: KEEP_SECONDS },
            removeOnFail: { age: KEEP_SECONDS },
          },
        };
      }),
    });
  } catch (error) {
    await close();
    throw error;
  }

  const events = new EventEmitter<SlideSubmissionEvents>();
  return Object.assign(events, {
    slideId,
    frameCount: options.frames.length,
    status: () => readSlideStatus(slides, slideId),
    async report(options: SlideReportOptions = {}) {
      checkOptionsObject('report options', options);
      checkKnownKeys('report options', options, REPORT_OPTION_KEYS);
      checkPositive('pollMs', options.pollMs);
      const { pollMs = 100, signal } = options;
      let last = '';
      for (;;) {
        if (signal?.aborted) throw new SmearscopeError('ABORTED', `stopped waiting for slide ${slideId}; it goes on in the workers`);
        const status = await readSlideStatus(slides, slideId);
        const { report, failedReason, ...progress } = status;
        const key = JSON.stringify(progress);
        if (key !== last) {
          last = key;
          events.emit('progress', progress);
        }
        if (report) return report;
        if (status.state === 'failed')
          throw new SmearscopeError('WORKER_CRASHED', `slide ${slideId} could not be aggregated: ${failedReason}`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    close,
  });
}

/** Where a slide stands, for a caller that did not submit it (`smearscope status`). */
export async function getSlideStatus(options: SlideStatusOptions): Promise<SlideStatus> {
  checkOptionsObject('getSlideStatus options', options);
  checkKnownKeys('getSlideStatus options', options, STATUS_OPTION_KEYS);
  checkQueue(options?.queue);
  checkSlideId(options.slideId);
  const slides = new Queue(SLIDES_QUEUE, { connection: redisConnection(options.queue) });
  slides.on('error', () => undefined); // connection errors: connected() below says what matters
  try {
    await connected(slides, options.queue);
    return await readSlideStatus(slides, options.slideId);
  } finally {
    await slides.close();
  }
}

/**
 * Every option checked before anything is queued (INVALID_ARGUMENT naming it): a typo'd key would
 * be ignored, and a bad value would fail every frame on the workers, or the slide at aggregation
 * once all its frames were analyzed.
 */
function checkSubmitOptions(options: SubmitSlideOptions): void {
  checkOptionsObject('submitSlide options', options);
  checkKnownKeys('submitSlide options', options, SUBMIT_OPTION_KEYS);
  checkQueue(options?.queue);
  // A string is not a list of frames: it would be taken one character a frame.
  checkNonEmptyArray('frames', options.frames, 'frame file paths');
  options.frames.forEach((frame, index) => checkRequiredString(`frames[${index}]`, frame, 'a file path'));
  if (options.slideId !== undefined) checkSlideId(options.slideId);
  // The workers' own check, so that a scale they would refuse on every frame is refused here.
  if (options.micronsPerPixel !== undefined) checkMicronsPerPixel(options.micronsPerPixel, 'INVALID_ARGUMENT', 'micronsPerPixel');
  checkInteger('targetCount', options.targetCount, 1, MAX_TARGET_COUNT);
  checkPositive('maxFrameBytes', options.maxFrameBytes);
  checkInteger('frameAttempts', options.frameAttempts, 1, 100);
}
