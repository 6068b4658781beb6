import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BenchHost } from '../../bench/host.js';
import { trackPeakMemory } from '../../bench/peak-memory.js';

const INTERVAL_MS = 200;
/** One reading holds a shared resource this long (on a loaded machine, /proc scans contend for CPU and I/O). */
const READING_MS = 300;

/**
 * A host whose memory readings are slower than its sampling interval and served one at a time
 * (fake time): what Chromium's driver-side /proc scan looks like on a loaded machine. Counts the
 * readings in flight.
 */
function slowHost() {
  const counts = { calls: 0, inFlight: 0, maxInFlight: 0 };
  let busyUntil = 0;
  const host: BenchHost = {
    env: 'chromium',
    memorySampleIntervalMs: INTERVAL_MS,
    async memoryBytes() {
      counts.calls++;
      counts.inFlight++;
      counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
      busyUntil = Math.max(Date.now(), busyUntil) + READING_MS;
      await new Promise((resolve) => setTimeout(resolve, busyUntil - Date.now()));
      counts.inFlight--;
      return counts.calls * 2 ** 20;
    },
    log() {},
  };
  return { host, counts };
}

/** Advances fake time in steps until `promise` settles; the fake milliseconds it took, or Infinity past `limitMs`. */
async function settleWithin(promise: Promise<unknown>, limitMs: number): Promise<number> {
  let settled = false;
  void promise.then(() => (settled = true));
  let waitedMs = 0;
  while (!settled && waitedMs <= limitMs) {
    await vi.advanceTimersByTimeAsync(50);
    waitedMs += 50;
  }
  return settled ? waitedMs : Number.POSITIVE_INFINITY;
}

describe('bench peak memory', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps one reading in flight when readings are slower than the interval, so each run waits a bounded time', async () => {
    const { host, counts } = slowHost();
    const memory = trackPeakMemory(host);
    // 20 short runs, each followed by its explicit sample (as timeRepeated does).
    const waitsMs: number[] = [];
    for (let run = 0; run < 20; run++) {
      await vi.advanceTimersByTimeAsync(60);
      waitsMs.push(await settleWithin(memory.sample(), 60_000));
    }
    const peakMiB = await settleWithin(memory.stop(), 60_000);
    expect(peakMiB).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(counts.maxInFlight).toBe(1);
    // At most the reading in flight plus a fresh one.
    expect(Math.max(...waitsMs)).toBeLessThanOrEqual(2 * READING_MS + 50);
  });

  it('reports the largest reading and stops sampling at stop()', async () => {
    const { host, counts } = slowHost();
    const memory = trackPeakMemory(host);
    await vi.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    let peak: number | undefined;
    void memory.stop().then((value) => (peak = value));
    await vi.advanceTimersByTimeAsync(4 * READING_MS);
    // Readings return 1, 2, 3 ... MiB: the peak is the last one taken.
    expect(peak).toBe(counts.calls);
    const calls = counts.calls;
    await vi.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(counts.calls).toBe(calls);
  });
});
