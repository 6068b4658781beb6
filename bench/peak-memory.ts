import type { BenchHost } from './host.js';

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
