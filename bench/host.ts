import type { Frame } from '../src/frame.js';
import type { PreprocessJob } from '../src/pipeline/preprocess-frame.js';
import type { BenchEnv } from './report-types.js';

/** What a suite needs from the environment it runs in (Node or a Chromium page). */
export interface BenchHost {
  env: BenchEnv;
  /**
   * Memory in use now, in bytes: Node, the process RSS (workers are threads of it); Chromium,
   * every Chromium process (see browser/page-host.ts). Undefined when it cannot be measured here.
   */
  memoryBytes(): Promise<number | undefined>;
  /** Sample memory on a timer as well (0: only at the end of each run, when sampling is costly). */
  memorySampleIntervalMs: number;
  /** A progress line (stderr in Node, the console and the kiosk's log in a page). */
  log(line: string): void;
  /** CPU time this process has used, milliseconds (Node); absent where it cannot be read (a page). */
  cpuMs?(): number;
  /** Logical cores this process may use, where cpuMs is read (to turn CPU time into a share of the machine). */
  cores?: number;
  /** Runs the NumPy/SciPy peer of the per-frame preprocessing (Node; see bench/preprocess-peer.py). */
  preprocessPeer?(frames: readonly Frame[], job: PreprocessJob): Promise<PeerPass>;
  /** The frames as raw files, read on demand (Node; see bench/raw-frame-files.ts). */
  rawFrameFiles?(frames: readonly Frame[]): RawFrameFiles;
}

/** Frames kept in raw files: a source that reads each frame into a buffer it is given. */
export interface RawFrameFiles {
  /** Reads frame k's pixels (exactly `target.byteLength` bytes) into `target`. */
  read(k: number, target: Uint8Array): void;
  close(): void;
}

/** One pass of the NumPy/SciPy peer over the frames: per frame, its cells and each stage's time. */
export interface PeerPass {
  /** e.g. "NumPy 1.24.2, SciPy 1.10.1, Python 3.11.2". */
  runtime: string;
  frames: Array<{ cells: number; cpuMs: Record<string, number>; wallMs: Record<string, number> }>;
}
