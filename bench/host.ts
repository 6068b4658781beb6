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

/** Peak of `host.memoryBytes()` over a measurement: timer samples plus explicit `sample()` calls. */
export interface PeakMemory {
  sample(): Promise<void>;
  /** Stops the timer; the peak in MiB, or undefined when nothing could be measured. */
  stop(): Promise<number | undefined>;
}

export function trackPeakMemory(host: BenchHost): PeakMemory {
  let peakBytes: number | undefined;
  const sample = async () => {
    const bytes = await host.memoryBytes();
    if (bytes !== undefined && (peakBytes === undefined || bytes > peakBytes)) peakBytes = bytes;
  };
  const timer = host.memorySampleIntervalMs > 0 ? setInterval(() => void sample(), host.memorySampleIntervalMs) : undefined;
  return {
    sample,
    async stop() {
      if (timer) clearInterval(timer);
      await sample();
      return peakBytes === undefined ? undefined : peakBytes / 2 ** 20;
    },
  };
}
