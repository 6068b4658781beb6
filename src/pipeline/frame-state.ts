import type { CellResult, FrameResult } from '../api-types.js';
import type { SmearscopeError } from '../errors.js';
import { isEncodedFrame, type FrameInput } from '../frame.js';
import type { PreparedFrame } from './preprocess-frame.js';

/** What a result needs of its input once the pixels are gone. */
export interface FrameInfo {
  label?: string;
  width?: number;
  height?: number;
  micronsPerPixel?: number;
  stageMicrons?: { x: number; y: number };
}

/** One frame on its way through the stream. */
export interface FrameState {
  index: number;
  /** The input until it is prepared, then only its description (the pixels are let go). */
  frame: FrameInput | FrameInfo;
  startedAt: number;
  prepared?: PreparedFrame;
  cells: CellResult[];
  /** Cells still waiting for the model. */
  remaining: number;
  inferenceMs: number;
  failed?: SmearscopeError;
  /** Planned batches: where the frame's pixels are (see analyze-stream.ts, planBatch). */
  custody?: FrameCustody;
}

/** A frame whose patches the inference worker cuts: the stream holds its pixels until it sends them. */
export interface FrameCustody {
  /** The frame's key with the inference worker (InferenceClient.newFrameKey). */
  frameKey: number;
  /** The pixels, while the stream has them (between sends, or back from a GPU upload). */
  pixels?: Uint8Array;
  /** The inference worker generation holding the frame (sent with holdFrame). */
  heldBy?: number;
}

export function newFrameState(index: number, frame: FrameInput): FrameState {
  return { index, frame, startedAt: performance.now(), cells: [], remaining: 0, inferenceMs: 0 };
}

/** The description of an input that a result keeps (no pixels). */
export function describe(input: FrameInput): FrameInfo {
  if (typeof input !== 'object' || input === null) return {}; // not a frame: its error says so
  return {
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(isEncodedFrame(input) ? {} : { width: input.width, height: input.height }),
    ...(input.micronsPerPixel !== undefined ? { micronsPerPixel: input.micronsPerPixel } : {}),
    ...(input.stageMicrons ? { stageMicrons: input.stageMicrons } : {}),
  };
}

/** The public result of a finished (or failed) frame. */
export function frameResult(state: FrameState): FrameResult {
  const { prepared, frame, failed } = state;
  const info = frame as FrameInfo;
  // A frame that failed before its scale was known still reports the scale it was given.
  const micronsPerPixel = prepared ? prepared.micronsPerPixel : info.micronsPerPixel;
  const scaleSource = prepared ? prepared.scaleSource : info.micronsPerPixel !== undefined ? 'given' : undefined;
  return {
    index: state.index,
    ...(info.label !== undefined ? { label: info.label } : {}),
    width: prepared?.width ?? info.width ?? 0,
    height: prepared?.height ?? info.height ?? 0,
    ...(micronsPerPixel !== undefined && scaleSource ? { micronsPerPixel, scaleSource } : {}),
    ...(prepared?.scaleSource === 'frame' && prepared.scaleEstimate ? { scaleInterval: prepared.scaleEstimate.interval } : {}),
    ...(prepared?.scaleWarning ? { scaleWarning: prepared.scaleWarning } : {}),
    ...(info.stageMicrons ? { stageMicrons: info.stageMicrons } : {}),
    cells: failed ? [] : state.cells,
    skippedAtBorder: prepared?.skippedAtBorder ?? [],
    ...(prepared ? { stain: prepared.stain } : {}),
    timingsMs: {
      // Named one by one: the worker's timings carry more than a result reports (scaleCheck).
      stainFit: prepared?.timingsMs.stainFit ?? 0,
      localize: prepared?.timingsMs.localize ?? 0,
      patches: prepared?.timingsMs.patches ?? 0,
      inference: state.inferenceMs,
      total: performance.now() - state.startedAt,
    },
    ...(failed ? { error: { code: failed.code, message: failed.message } } : {}),
  };
}
