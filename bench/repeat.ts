/** How often to repeat a measurement: warm-up runs first (not timed), then timed runs. */
export interface RepeatPlan {
  warmupRuns: number;
  /** Timed runs at least, even past the budget, so a spread exists. */
  minRuns: number;
  /** Timed runs at most. */
  maxRuns: number;
  /** Stop starting timed runs once this many milliseconds of timed runs have passed (after minRuns). */
  budgetMs: number;
  /** Stop even before minRuns once this many milliseconds have passed (after one run): a loaded machine must not blow the suite's time. */
  capMs?: number;
}

/**
 * Runs `once` per the plan and returns each timed run's wall time in milliseconds. A run's own
 * return value is ignored; `once` must do the whole unit of work (and await it). `after` runs
 * after every run, untimed (e.g. a memory sample). `now` is the clock, in milliseconds.
 */
export async function timeRepeated(
  plan: RepeatPlan,
  once: (run: number) => Promise<unknown> | unknown,
  after?: () => Promise<unknown>,
  now: () => number = () => performance.now(),
): Promise<number[]> {
  for (let run = 0; run < plan.warmupRuns; run++) {
    await once(-1 - run);
    await after?.();
  }
  const durationsMs: number[] = [];
  let spentMs = 0;
  for (let run = 0; run < plan.maxRuns; run++) {
    if (run >= plan.minRuns && spentMs >= plan.budgetMs) break;
    if (run >= 1 && plan.capMs !== undefined && spentMs >= plan.capMs) break;
    const startedAt = now();
    await once(run);
    const elapsedMs = now() - startedAt;
    durationsMs.push(elapsedMs);
    spentMs += elapsedMs;
    await after?.();
  }
  return durationsMs;
}

/** When untimed warm-up runs may stop (see warmUntilSteady). */
export interface SteadyPlan {
  /** Warm-up runs at least. */
  minRuns: number;
  /** Warm-up runs at most (a machine too noisy to settle still gets measured). */
  maxRuns: number;
  /** Settled: a run took within this fraction of the run before it. */
  tolerance: number;
}

/**
 * Untimed runs of `once` (which returns its own duration, ms) until two in a row agree within
 * `plan.tolerance`, from `plan.minRuns` on and at most `plan.maxRuns`. Returns their durations.
 * Why not a fixed count: V8 compiles hot WebAssembly with TurboFan on helper threads for seconds
 * after it first runs, and for ONNX Runtime's module that outlasts one pass; how many passes
 * depends on the machine.
 */
export async function warmUntilSteady(plan: SteadyPlan, once: () => Promise<number>): Promise<number[]> {
  const durationsMs: number[] = [];
  for (let run = 0; run < plan.maxRuns; run++) {
    durationsMs.push(await once());
    const [before, last] = durationsMs.slice(-2);
    if (run + 1 >= plan.minRuns && durationsMs.length >= 2 && Math.abs(last - before) <= plan.tolerance * before) break;
  }
  return durationsMs;
}
