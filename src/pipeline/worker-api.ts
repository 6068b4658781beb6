import type { EncodedFrame, Frame } from '../frame.js';
import type { BackendChoice, BackendName, BatchOutputs } from '../inference/backend.js';
import type { Dtype, DtypeChoice } from '../inference/dtype.js';
import type { ModelCard } from '../inference/model-card-types.js';
import type { BatchPlan } from '../patch/batch-plan.js';
import type { InboxFrame } from '../kernels/resident-frame.js';
import type { FrameInbox } from './frame-inbox.js';
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
  /** 'auto' | 'fp32' | 'fp16' (default 'auto'); fp16 runs `fp16Bytes`, the card's float16 graph. */
  dtype?: DtypeChoice;
  fp16Bytes?: Uint8Array;
  /** Browsers: where ONNX Runtime's files are when the host moved them (see src/platform/browser-assets.ts). */
  assetsPath?: string;
}

export interface InferenceWorkerApi {
  /** `gpuInput`: the session's input is bound to a GPU buffer, so planned batches are cut there. */
  init(
    options: InferenceInit,
  ): Promise<{ backend: BackendName; dtype: Dtype; reason: string; notes: string[]; gpuInput: boolean; threads: number; runtime: string }>;
  /** Runs one full batch; the input buffer is handed back (transferred) for reuse with the outputs. */
  run(batch: Float32Array): Promise<{ outputs: BatchOutputs; batch: Float32Array }>;
  /**
   * Keeps a frame (pixels transferred) for the planned batches after it. On a GPU session it is
   * uploaded and the pixels come back at once; elsewhere they stay in the worker until released.
   */
  holdFrame(frameKey: number, frame: Frame): Promise<{ pixels?: ArrayBuffer }>;
  /** Runs one planned batch (src/patch/batch-plan.ts): the worker cuts the patches from the frames
   * it holds (on the GPU when the session is bound to one, else with its own kernels). */
  runPlanned(plan: BatchPlan): Promise<{ outputs: BatchOutputs }>;
  /** Test hook: frames over this many bytes are not uploaded (as over the GPU's buffer limits). */
  limitGpuFrameBytes(bytes: number): void;
  /** Test hook: how many frames of planned batches the worker holds. */
  framesHeld(): Promise<number>;
  /** Lets go of frames sent with planned batches (all their cells are classified). */
  releaseFrames(frameKeys: number[]): void;
  /** Test hook: the next run dies the way a crash would (an uncaught error, no answer). */
  crashOnNextRun(): void;
  /** Test hook: the next run spins forever without answering (a hung driver). */
  stallOnNextRun(): void;
  /** Test hook: destroys the GPU device as a driver reset would. */
  loseDevice(): Promise<boolean>;
  dispose(): Promise<void>;
}

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
   * transferred too. With `job.deferPatches` and cells found, `pixels` are the frame's own
   * (decoded ones too), for the inference worker to cut the patches from.
   */
  prepare(input: Frame | InboxFrame | 'decoded', job: PreprocessJob): Promise<{ prepared: PreparedFrame; pixels?: ArrayBuffer }>;
  /**
   * Where the pool may write the next frame's pixels itself: this worker's kernel memory (shared)
   * and the offset of its next buffer, valid between frames; the frame then comes as an InboxFrame
   * (never with `job.deferPatches`, whose pixels travel on). Undefined where the kernels' memory is
   * not shared (a page that is not cross-origin isolated): frames come with their pixels.
   */
  inbox(): Promise<FrameInbox | undefined>;
  /** Dies the way a crash would (an uncaught error outside any call); used by failure tests. The
   * frame, when given (transferred), goes down with it. */
  crash(frame?: Frame | InboxFrame): void;
  /** Test hook: the next decode spins forever without answering (a decoder stuck in a file). */
  stallOnNextDecode(): void;
  /** Resolves once the worker has loaded and its kernels are instantiated. */
  ready(): Promise<void>;
}
