import type { LoadProgress } from '../inference/host.js';

/** Callbacks whose throw was reported already: once per callback, not once per file it reports on. */
const reported = new WeakSet<object>();

/**
 * The caller's `onProgress` as model loading calls it: a throw (a bug in the caller's UI) must not
 * fail the load it reports on, as analyzeStream's onProgress cannot fail a frame. The first throw
 * of a callback goes to `report` (default: the console); the callback is still called for later
 * progress.
 */
export function isolatedProgress(
  onProgress: ((progress: LoadProgress) => void) | undefined,
  report: (message: string) => void = console.warn,
): (progress: LoadProgress) => void {
  return (progress) => {
    if (!onProgress) return;
    try {
      onProgress(progress);
    } catch (error) {
      if (reported.has(onProgress)) return;
      reported.add(onProgress);
      report(
        `smearscope: onProgress threw while the model loaded (${error instanceof Error ? error.message : String(error)}); ` +
          'loading went on, later throws are not reported',
      );
    }
  };
}
