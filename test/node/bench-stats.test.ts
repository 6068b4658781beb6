import { describe, expect, it } from 'vitest';
import { timeRepeated, warmUntilSteady } from '../../bench/repeat.js';
import { cpuAccount } from '../../bench/cpu-account.js';
import { percentile, rateSpread, spreadOf } from '../../bench/stats.js';
import { mulberry32 } from '../support/random.js';

describe('bench statistics', () => {
  it('percentile interpolates between order statistics like numpy', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 50, 95, 100]) -> 1, 2.5, 3.85, 4
    const values = [0, 50, 95, 100].map((p) => percentile([1, 2, 3, 4], p));
    [1, 2.5, 3.85, 4].forEach((expected, i) => expect(values[i]).toBeCloseTo(expected, 12));
    expect(percentile([7], 95)).toBe(7);
  });

  it('the spread of random samples brackets their median, whatever the order', () => {
    const rng = mulberry32(3);
    const samples = Array.from({ length: 101 }, () => rng() * 10);
    const spread = spreadOf(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    expect(spread).toEqual({ median: sorted[50], min: sorted[0], max: sorted[100], runs: 101 });
    expect(spreadOf([...samples].reverse())).toEqual(spread);
  });

  it('a rate spread turns the slowest run into the minimum rate', () => {
    const rate = rateSpread(spreadOf([100, 200, 400]), 8 * 1000);
    expect(rate).toEqual({ median: 40, min: 20, max: 80, runs: 3 });
  });

  it('timeRepeated runs warm-ups untimed, at least minRuns, at most maxRuns', async () => {
    const calls: number[] = [];
    const durations = await timeRepeated({ warmupRuns: 2, minRuns: 3, maxRuns: 5, budgetMs: 0 }, (run) => calls.push(run));
    expect(calls).toEqual([-1, -2, 0, 1, 2]);
    expect(durations).toHaveLength(3);
    const all = await timeRepeated({ warmupRuns: 0, minRuns: 1, maxRuns: 4, budgetMs: Number.POSITIVE_INFINITY }, () => undefined);
    expect(all).toHaveLength(4);
  });

  it('timeRepeated calls `after` after every run, outside the timed part, and stops at the budget', async () => {
    // A fake clock: a run takes 5 ms, `after` 100 ms.
    let clock = 0;
    const events: string[] = [];
    const run = () => {
      events.push('run');
      clock += 5;
    };
    const after = async () => {
      events.push('after');
      clock += 100;
    };
    const durations = await timeRepeated({ warmupRuns: 1, minRuns: 2, maxRuns: 10, budgetMs: 12 }, run, after, () => clock);
    // Warm-up, then timed runs until 12 ms of timed runs have passed: 5, 10, 15 -> three runs.
    expect(durations).toEqual([5, 5, 5]);
    expect(events).toEqual(['run', 'after', 'run', 'after', 'run', 'after', 'run', 'after']);
  });

  it('timeRepeated stops at capMs even below minRuns, but always times one run', async () => {
    let clock = 0;
    const slow = () => {
      clock += 50;
    };
    const plan = { warmupRuns: 0, minRuns: 5, maxRuns: 10, budgetMs: 0, capMs: 120 };
    expect(await timeRepeated(plan, slow, undefined, () => clock)).toEqual([50, 50, 50]);
    expect(await timeRepeated({ ...plan, capMs: 1 }, slow, undefined, () => clock)).toEqual([50]);
  });

  it('warmUntilSteady runs until two runs in a row agree, at least minRuns, at most maxRuns', async () => {
    const plan = { minRuns: 2, maxRuns: 5, tolerance: 0.1 };
    // Tiering up: 300, 200, 105, then settled at 100.
    const settling = (durations: number[]) => {
      let run = 0;
      return async () => durations[Math.min(run++, durations.length - 1)];
    };
    expect(await warmUntilSteady(plan, settling([300, 200, 105, 100, 100, 100]))).toEqual([300, 200, 105, 100]);
    // Steady from the start: minRuns.
    expect(await warmUntilSteady(plan, settling([100, 100, 100]))).toEqual([100, 100]);
    expect(await warmUntilSteady({ ...plan, minRuns: 3 }, settling([100, 100, 100, 100]))).toEqual([100, 100, 100]);
    // Never settles: maxRuns.
    expect(await warmUntilSteady(plan, settling([100, 200, 100, 200, 100, 200, 100]))).toEqual([100, 200, 100, 200, 100]);
  });
});

describe('the pipeline CPU account', () => {
  // Two passes of 8 frames, 200 cells, on 2 cores. Pass 1: the model costs 10 ms CPU a cell in both;
  // the pipeline adds 1.2 ms a cell (preprocessing) and keeps 0.9 of the cores busy against the bare 0.96.
  const pass = (modelMs: number, extraMs: number, busy: number, bareBusy: number) => ({
    pipeline: { cells: 200, cpuMs: 200 * (modelMs + extraMs), wallMs: (200 * (modelMs + extraMs)) / (2 * busy) },
    bare: { cells: 200, cpuMs: 200 * modelMs, wallMs: (200 * modelMs) / (2 * bareBusy) },
  });
  const pairs = [pass(10, 1.2, 0.9, 0.96), pass(11, 0.8, 0.95, 0.95)];

  it('splits each pass efficiency exactly into a CPU ratio and a busy ratio', () => {
    const account = cpuAccount(pairs, 8, 2);
    const efficiencies = pairs.map(({ pipeline, bare }) => pipeline.cells / pipeline.wallMs / (bare.cells / bare.wallMs));
    expect(account.cpuRatio.runs).toBe(2);
    // Per pass the product is the efficiency; the spreads order their passes alike here.
    expect(account.cpuRatio.min * account.busyRatio.min).toBeCloseTo(Math.min(...efficiencies), 12);
    expect(account.cpuRatio.max * account.busyRatio.max).toBeCloseTo(Math.max(...efficiencies), 12);
    expect(account.cpuRatio.min).toBeCloseTo(10 / 11.2, 12);
    expect(account.busyRatio.min).toBeCloseTo(0.9 / 0.96, 12);
    // 25 cells a frame: pipeline (11.2 and 11.8 ms a cell) and bare (10, 11), medians of the two passes.
    expect(account.pipelineCpuMsPerFrame).toBeCloseTo(25 * 11.5, 9);
    expect(account.bareCpuMsPerFrame).toBeCloseTo(25 * 10.5, 9);
    expect(account.pipelineCoresBusy).toBeCloseTo(0.925, 12);
    expect(account.bareCoresBusy).toBeCloseTo(0.955, 12);
    expect(account.cores).toBe(2);
  });
});
