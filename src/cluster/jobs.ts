import { SmearscopeError, toSmearscopeError, type SmearscopeErrorCode } from '../errors.js';
import type { FrameResult } from '../index.js';

/** A frame job: the frame travels as a path on a filesystem every worker sees (see README). */
export interface FrameJobData {
  slideId: string;
  /** Position of the frame in the slide's input order, from 0. */
  index: number;
  /** Absolute path the worker reads. */
  path: string;
  /** The frame's name in the report (the path as the submitter was given it). */
  label: string;
  micronsPerPixel?: number;
  /** Frames larger than this many bytes fail with INVALID_FRAME instead of being read. */
  maxFrameBytes: number;
}

/** What a frame job returns; stored once per frame in the slide job's processed set. */
export interface FrameJobResult {
  index: number;
  /** The frame's result as `analyze` has it. */
  result: FrameResult;
  model: { id: string; version: string };
  worker: { host: string; pid: number; backend: string };
  /** Time inside the pipeline for this frame, milliseconds. */
  analyzeMs: number;
}

/** The slide (parent) job. */
export interface SlideJobData {
  slideId: string;
  frameCount: number;
  labels: string[];
  targetCount: number;
}

/** Default cap on a frame file: a 2452 x 2056 TIFF without compression is 15 MB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 2 ** 20;

const SLIDE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Throws INVALID_ARGUMENT unless the id is a string of 1-100 letters, digits, '.', '_' or '-'. */
export function checkSlideId(slideId: unknown): asserts slideId is string {
  // typeof first: the pattern alone would take the number 42 as the id "42".
  if (typeof slideId !== 'string' || !SLIDE_ID.test(slideId)) {
    const got = typeof slideId === 'string' ? `"${slideId}"` : `${typeof slideId} ${String(slideId)}`;
    throw new SmearscopeError('INVALID_ARGUMENT', `a slide id is 1-100 letters, digits, ".", "_" or "-", got ${got}`);
  }
}

/** The frame job's id: fixed per slide and index, so a resubmitted or retried frame is the same job. */
export function frameJobId(slideId: string, index: number): string {
  return `${slideId}-frame-${index}`;
}

/** The frame index from a job id or a job key ("bull:queue:<id>"); undefined when it is not a frame job's. */
export function frameIndexOf(jobIdOrKey: string): number | undefined {
  const match = /-frame-(\d+)$/.exec(jobIdOrKey);
  return match ? Number(match[1]) : undefined;
}

/** A failed frame job carries its typed error as "CODE: message" (BullMQ keeps only a message). */
export function encodeFrameError(code: SmearscopeErrorCode, message: string): string {
  return `${code}: ${message}`;
}

/** The typed error of a failed frame job's reason; a reason without a known code is WORKER_CRASHED. */
export function decodeFrameError(reason: string): { code: SmearscopeErrorCode; message: string } {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  if (match) {
    const error = toSmearscopeError({ code: match[1], message: match[2] }, 'WORKER_CRASHED');
    if (error.code === match[1]) return { code: error.code, message: error.message };
  }
  return { code: 'WORKER_CRASHED', message: reason };
}
