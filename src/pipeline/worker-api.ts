import type { EncodedFrame, Frame } from '../frame.js';
import type { BackendChoice, BackendName, BatchOutputs } from '../inference/backend.js';
import type { ModelCard } from '../inference/model-card-types.js';
import type { PreparedFrame, PreprocessJob } from './preprocess-frame.js';

// What the pipeline calls on its workers (comlink). The workers (workers/*.worker.ts) implement
// these; the types live here, with their caller, so no import runs from src/ up to workers/.

/** Everything the inference worker needs to open its session. */
export interface InferenceInit {
  card: ModelCard;
  modelBytes: Uint8Array;
  backend: BackendChoice;
  batchSize: number;
  numThreads?: number;
  graphCapture?: boolean;
}

export interface InferenceWorkerApi {
  init(options: InferenceInit): Promise<{ backend: BackendName; reason: string; notes: string[] }>;
  /** Runs one full batch; the input buffer is handed back (transferred) for reuse with the outputs. */
  run(batch: Float32Array): Promise<{ outputs: BatchOutputs; batch: Float32Array }>;
  /** Test hook: the next run dies the way a crash would (an uncaught error, no answer). */
  crashOnNextRun(): void;
  /** Test hook: the next run spins forever without answering (a hung driver). */
  stallOnNextRun(): void;
  /** Test hook: destroys the GPU device as a driver reset would. */
  loseDevice(): Promise<boolean>;
  dispose(): Promise<void>;
}

/** Where a preprocess worker takes a frame's pixels in its shared kernel memory. */
export interface FrameSlot {
  memory: SharedArrayBuffer;
  /** Byte offset of the slot in `memory`, and its size. */
  ptr: number;
  byteLength: number;
}

/** A frame whose pixels were written into the worker's frame slot: everything of it but the pixels. */
export type SlotFrame = Omit<Frame, 'pixels'> & { inSlot: true };

export interface PreprocessWorkerApi {
  /**
   * Decodes an encoded frame and keeps it in the worker for the next `prepare('decoded', ...)`, so
   * decoding and preprocessing are separate calls, each with its own budget. Frames over
   * `maxFramePixels` are refused (FRAME_TOO_LARGE) from their header, before a decoder allocates
   * their pixels.
   */
  decode(input: EncodedFrame, maxFramePixels: number): Promise<{ width: number; height: number }>;
  /**
   * Prepares one frame ('decoded': the one `decode` left). The frame's pixel buffer goes back with
   * the result (transferred) so the pool can reuse it for the next frame; the patch tensor is
   * transferred too.
   */
  prepare(input: Frame | 'decoded' | SlotFrame, job: PreprocessJob): Promise<{ prepared: PreparedFrame; pixels?: ArrayBuffer }>;
  /**
   * Reserves (or reuses) room for a frame of `byteLength` bytes at the bottom of this worker's
   * kernel memory and says where it is, when that memory is shared (undefined otherwise): the
   * pool then writes the next frame's pixels straight there and sends a SlotFrame, so the frame
   * crosses no message and is not copied again. Valid until the next frameSlot call or the
   * worker's end.
   */
  frameSlot(byteLength: number): Promise<FrameSlot | undefined>;
  /** Dies the way a crash would (an uncaught error outside any call); used by failure tests. */
  crash(): void;
  /** Resolves once the worker has loaded and its kernels are instantiated. */
  ready(): Promise<void>;
}
