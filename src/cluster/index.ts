// smearscope/cluster (Node only): frames of many slides over many machines, on BullMQ + Redis.
export { createClusterWorker, type ClusterWorker, type ClusterWorkerEvents, type ClusterWorkerOptions } from './worker.js';
export {
  getSlideStatus,
  submitSlide,
  type SlideReportOptions,
  type SlideStatusOptions,
  type SlideSubmission,
  type SlideSubmissionEvents,
  type SubmitSlideOptions,
} from './submit.js';
export type { SlideProgress, SlideStatus } from './slide-status.js';
export type { SlideReport } from './aggregate.js';
