// Test hooks of a scope, kept off the public types: a scope carries them under a registered symbol
// (the same in every bundle), and only src/testing.ts, the tests' entry, reads them.

/** The symbol a scope keeps its test hooks under. */
export const TESTING_HOOKS: unique symbol = Symbol.for('smearscope.testing') as never;

export interface ScopeTesting {
  /** The next run of inference session `session` (default 0) dies the way a crash would (an uncaught error, no answer). */
  crashInferenceOnNextRun(session?: number): Promise<void>;
  /** The next run of inference session `session` (default 0) spins forever without answering (a hung driver). */
  stallInferenceOnNextRun(session?: number): Promise<void>;
  /** The next decode in every preprocess worker spins forever (a decoder stuck in a malformed file). */
  stallPreprocessOnNextDecode(): Promise<void>;
  /** Kills the worker of inference session `session` (default 0) now, wherever it is (as the OS would on out-of-memory). */
  killInferenceWorker(session?: number): void;
  /** Destroys the GPU device as a driver reset would; false when there was none. */
  loseGpuDevice(): Promise<boolean>;
  /** From the next analyze call on: plan batches (the inference worker cuts the patches) even on a
   * session without a GPU input (true), never (false), or as the scope decides (undefined). */
  set planBatches(plan: boolean | undefined);
  /** Frames over `bytes` are not uploaded to the GPU (as over its buffer limits): cut on the CPU. */
  limitGpuFrameBytes(bytes: number): Promise<void>;
  /** How many frames of planned batches the inference worker holds (0 once every stream has ended). */
  framesHeldByInferenceWorker(): Promise<number>;
  /** Where a stream started now would cut its patches ('gpu': planned batches on the GPU). */
  readonly patchesOn: 'gpu' | 'cpu';
  /** From the next analyze call on: how many attempts at frame `index` crash their preprocess worker
   * (0 or undefined: none; 1: the first, then the retry succeeds; 2: both, the frame fails). */
  set crashPreprocess(hook: ((index: number) => number | undefined) | undefined);
  /** The inference sessions (each in its own worker), the ONNX Runtime threads of each, and the batches each has answered. */
  readonly inferenceLayout: { sessions: number; threads: number; batchesDone: number[] };
  /** Frames of pixels the preprocess pool handed to its workers so far: written straight into their
   * kernel memory (inbox), or copied into (or transferred as) a buffer the worker copies in. */
  readonly frameHandoffs: { inbox: number; copied: number; written: number };
  /** From the next frame on: write frames into the workers' kernel memory where it is shared (true,
   * the default), or never (false). */
  set frameInbox(use: boolean);
}
