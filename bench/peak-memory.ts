import type { BenchHost } from './host.js';

/** Peak of `host.memoryBytes()` over a measurement: timer samples plus explicit `sample()` calls. */
export interface PeakMemory {
  /** A reading taken after this call (waits for the one in flight, if any, then takes a fresh one). */
  sample(): Promise<void>;
  /** Stops the timer; the peak in MiB, or undefined when nothing could be measured. */
  stop(): Promise<number | undefined>;
}

/**
 * Samples `host.memoryBytes()` on the host's timer and on demand, one reading at a time: a timer
 * tick while a reading is in flight is skipped. Readings can be slower than the interval (Chromium's
 * is a /proc scan in the driver, ~1 s on a loaded machine); overlapping ones contend with each other,
 * so each took longer, more piled up, and the page's explicit sample after a run waited behind them:
 * the wait grew geometrically per run and a bench page stalled for its whole 30-minute timeout.
 */
export function trackPeakMemory(host: BenchHost): PeakMemory {
  let peakBytes: number | undefined;
  let inFlight: Promise<void> | undefined;
  const read = async () => {
    try {
      const bytes = await host.memoryBytes();
      if (bytes !== undefined && (peakBytes === undefined || bytes > peakBytes)) peakBytes = bytes;
    } finally {
      inFlight = undefined;
    }
  };
  const readOnce = () => (inFlight ??= read());
  // A failed timer reading is dropped; the explicit ones report their errors.
  const timer =
    host.memorySampleIntervalMs > 0
      ? setInterval(() => void (inFlight ? undefined : readOnce().catch(() => {})), host.memorySampleIntervalMs)
      : undefined;
  const sample = async () => {
    // The reading in flight may have started before the caller's work ended: a fresh one after it.
    await inFlight?.catch(() => {});
    await readOnce();
  };
  return {
    sample,
    async stop() {
      if (timer) clearInterval(timer);
      await sample();
      return peakBytes === undefined ? undefined : peakBytes / 2 ** 20;
    },
  };
}
