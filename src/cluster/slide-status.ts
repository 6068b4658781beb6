import type { Job, Queue } from 'bullmq';
import { SmearscopeError } from '../errors.js';
import type { SlideReport } from './aggregate.js';
import type { SlideJobData } from './jobs.js';

/** Where a slide stands. Frames: done = analyzed, failed = reported with an error, pending = the rest.
 * Once the slide is done the counts are the report's: a frame the aggregation refused (another
 * model's, MODEL_MISMATCH; one with no result) counted as done until then, and counts as failed. */
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
    throw new SmearscopeError(
      'IO_FAILED',
      `the queue has no slide "${slideId}" (never submitted, removed after 7 days, or lost by a Redis without persistence)`,
    );
  }
  const data = job.data as SlideJobData;
  const report = state === 'completed' ? (job.returnvalue as SlideReport) : undefined;
  const { framesDone, framesFailed } = report ? reportCounts(report) : await queueCounts(job);
  const status: SlideStatus = {
    slideId,
    state: state === 'completed' ? 'done' : state === 'failed' ? 'failed' : state === 'waiting-children' ? 'frames' : 'aggregating',
    framesTotal: data.frameCount,
    framesDone,
    framesFailed,
    framesPending: Math.max(0, data.frameCount - framesDone - framesFailed),
  };
  if (report) status.report = report;
  if (status.state === 'failed') status.failedReason = job.failedReason;
  return status;
}

/** Frames the workers finished and failed, as the queue counts them while the slide runs. */
async function queueCounts(job: Job): Promise<{ framesDone: number; framesFailed: number }> {
  const counts = await job.getDependenciesCount();
  return { framesDone: counts.processed ?? 0, framesFailed: (counts.ignored ?? 0) + (counts.failed ?? 0) };
}

/** The finished slide's counts: a frame with an error failed, whether on a worker or at aggregation. */
function reportCounts(report: SlideReport): { framesDone: number; framesFailed: number } {
  const framesFailed = report.frames.filter((frame) => frame.error).length;
  return { framesDone: report.frames.length - framesFailed, framesFailed };
}
