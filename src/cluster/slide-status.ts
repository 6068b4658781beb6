import type { Queue } from 'bullmq';
import { SmearscopeError } from '../errors.js';
import type { SlideReport } from './aggregate.js';
import type { SlideJobData } from './jobs.js';

/** Where a slide stands. Frames: done = analyzed, failed = reported with an error, pending = the rest. */
export interface SlideProgress {
  slideId: string;
  /** 'frames': frames still running; 'aggregating': all done, the slide job is queued or running;
   * 'done': the report is ready; 'failed': the aggregation itself failed. */
  state: 'frames' | 'aggregating' | 'done' | 'failed';
  framesTotal: number;
  framesDone: number;
  framesFailed: number;
  framesPending: number;
}

export interface SlideStatus extends SlideProgress {
  /** The slide's report once state is 'done'. */
  report?: SlideReport;
  /** Why the aggregation failed, when state is 'failed'. */
  failedReason?: string;
}

/** Reads a slide's progress from the slides queue; IO_FAILED when the queue has no such slide. */
export async function readSlideStatus(slides: Queue, slideId: string): Promise<SlideStatus> {
  // The state first, then the job: a job read after its state said 'completed' has its return value.
  const state = await slides.getJobState(slideId);
  const job = state === 'unknown' ? undefined : await slides.getJob(slideId);
  if (!job) {
    throw new SmearscopeError('IO_FAILED', `the queue has no slide "${slideId}" (never submitted, removed after 7 days, or lost by a Redis without persistence)`);
  }
  const data = job.data as SlideJobData;
  const counts = await job.getDependenciesCount();
  const framesDone = counts.processed ?? 0;
  const framesFailed = (counts.ignored ?? 0) + (counts.failed ?? 0);
  const status: SlideStatus = {
    slideId,
    state: state === 'completed' ? 'done' : state === 'failed' ? 'failed' : state === 'waiting-children' ? 'frames' : 'aggregating',
    framesTotal: data.frameCount,
    framesDone,
    framesFailed,
    framesPending: Math.max(0, data.frameCount - framesDone - framesFailed),
  };
  if (status.state === 'done') status.report = job.returnvalue as SlideReport;
  if (status.state === 'failed') status.failedReason = job.failedReason;
  return status;
}
