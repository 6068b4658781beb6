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
}
