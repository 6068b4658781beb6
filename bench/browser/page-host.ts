import type { BenchHost } from '../host.js';

/** Name of the function the Node driver exposes in the page (puppeteer exposeFunction): Chromium's memory in bytes. */
export const DRIVER_MEMORY_FUNCTION = 'smearscopeBenchMemory';
/** How long the browser's own memory measurement may take before it is given up for the run. */
const MEMORY_TIMEOUT_MS = 1000;

interface MemoryMeasurement {
  bytes: number;
}

/**
 * A Chromium page. Memory: driven by Node, the driver's reading of every Chromium process (PSS,
 * see process-memory.ts), sampled on a timer; on a kiosk, `performance.measureUserAgentSpecificMemory()`
 * at the end of each run, given up for good after one timeout (it waits for every worker, and
 * ONNX Runtime's WASM threads sleep in Atomics.wait). Log lines go to the console with a
 * "bench: " prefix (the driver forwards them) and to `onLine` (the kiosk's log).
 */
export function pageHost(onLine?: (line: string) => void): BenchHost {
  const driver = (globalThis as Record<string, unknown>)[DRIVER_MEMORY_FUNCTION] as (() => Promise<number | null>) | undefined;
  const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<MemoryMeasurement> })
    .measureUserAgentSpecificMemory;
  let browserMeasureWorks = !!measure && globalThis.crossOriginIsolated;
  return {
    env: 'chromium',
    async memoryBytes() {
      if (driver) return (await driver()) ?? undefined;
      if (!browserMeasureWorks) return undefined;
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), MEMORY_TIMEOUT_MS));
      const measured = await Promise.race([
        measure!.call(performance).then(
          (result) => result.bytes,
          () => undefined,
        ),
        timeout,
      ]);
      if (measured === 'timeout') browserMeasureWorks = false;
      return measured === 'timeout' ? undefined : measured;
    },
    memorySampleIntervalMs: driver ? 200 : 0,
    log(line) {
      console.log(`bench: ${line}`);
      onLine?.(line);
    },
  };
}
