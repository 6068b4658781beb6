import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { ortLoader } from '#platform-ort';
import { runtimeName } from '../../src/inference/ort-session.js';
import { createScope } from '../../src/scope.js';
import { testingHooks } from '../../src/testing.js';
import { FRAMES_QUEUE, redisConnection } from '../../src/cluster/connection.js';
import { frameJobId, type FrameJobResult } from '../../src/cluster/jobs.js';
import { submitSlide } from '../../src/cluster/submit.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL } from '../../test/support/frames.js';
import { startRedis } from '../../test/support/redis.js';
import type { BenchHost } from '../host.js';
import type { BenchResult } from '../report-types.js';
import { pastDeadline, type BenchSettings } from '../settings.js';
import { rateSpread, spreadOf } from '../stats.js';
import { emptyOutput, reasonOf, type SuiteOutput } from './suite-output.js';

/** BCCD frames per timed pass (640 x 480 JPEGs, about one leukocyte each). */
export const CLUSTER_FRAMES = 60;
/** Frame jobs each worker takes at once (the worker's default). */
const CONCURRENCY = 4;

interface Pass {
  ms: number;
  cells: number;
  /** Sum of the frames' time inside the worker (reading + pipeline), when measured. */
  analyzeMs?: number;
}

interface QueueSetup {
  label: string;
  processes: number;
  concurrency: number;
  url: string;
  passes: Pass[];
}

/**
 * The `cluster` suite (Node, native backend, needs redis-server): one slide of BCCD frames through
 * `smearscope/cluster` with 1 and 2 worker processes against `analyze` in this process (a warm
 * scope, the same frames read from disk), passes interleaved so all see the same machine load.
 * Queue overhead per frame: with one worker taking one job at a time, the pass's wall time minus
 * the time its frames spent being read and analyzed inside the worker, over the frames.
 * Each setup has its own Redis database, so idle workers of another setup take no jobs.
 */
export async function runClusterSuite(host: BenchHost, settings: BenchSettings): Promise<SuiteOutput> {
  const output = emptyOutput();
  const names = (await readdir(BCCD_DIR))
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .slice(0, CLUSTER_FRAMES);
  const files = names.map((name) => join(BCCD_DIR, name));
  let redis;
  try {
    redis = await startRedis();
  } catch (error) {
    output.skipped.push(`node cluster: ${reasonOf(error)}`);
    return output;
  }
  const children: ChildProcess[] = [];
  const load = `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores when the suite started`;
  const scope = await createScope({ backend: 'native' });
  // What every process here runs its model on (the scope and the workers: native, the default layout).
  const runtime = runtimeName(await ortLoader.loadOrt('native'));
  const { sessions: inferenceSessions, threads } = testingHooks(scope).inferenceLayout;
  try {
    const setups: QueueSetup[] = [
      { label: '1 worker process', processes: 1, concurrency: CONCURRENCY, url: `${redis.url}/1`, passes: [] },
      { label: '2 worker processes', processes: 2, concurrency: CONCURRENCY, url: `${redis.url}/2`, passes: [] },
      { label: '1 worker process, 1 job at a time (queue overhead)', processes: 1, concurrency: 1, url: `${redis.url}/3`, passes: [] },
    ];
    for (const setup of setups) {
      for (let p = 0; p < setup.processes; p++) children.push(await startWorker(setup.url, setup.concurrency));
    }
    const analyzePasses: Pass[] = [];
    let slide = 0;
    host.log(`cluster: ${files.length} BCCD frames per pass; warming up`);
    await analyzePass(scope, files.slice(0, 4));
    for (const setup of setups) await queuePass(setup.url, files.slice(0, 4), `warm-${slide++}`, false);
    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      if (pastDeadline(settings)) {
        output.skipped.push(
          `node cluster: passes after ${repeat} of ${settings.repeats}: the run's time limit (--max-minutes) was reached`,
        );
        break;
      }
      analyzePasses.push(await analyzePass(scope, files));
      for (const setup of setups) setup.passes.push(await queuePass(setup.url, files, `bench-${slide++}`, setup.concurrency === 1));
      host.log(`cluster: pass ${repeat + 1}/${settings.repeats} done`);
    }
    if (analyzePasses.length === 0) return output;
    const base = (passes: Pass[]): Omit<BenchResult, 'cellsPerSecond'> & { cellsPerSecond: number } => {
      const ms = spreadOf(passes.map((pass) => pass.ms));
      const cells = passes[0].cells;
      return {
        suite: 'cluster',
        env: 'node',
        backend: 'native',
        runtime,
        threads,
        inferenceSessions,
        model: scope.card.id,
        batch: scope.batchSize,
        cellsPerSecond: (cells * 1000) / ms.median,
        cellsPerSecondSpread: rateSpread(ms, cells * 1000),
        framesPerSecond: (files.length * 1000) / ms.median,
        frames: files.length,
        cells,
        workers: scope.workers,
        input: `bccd ${files.length} x 640x480 JPEG`,
      };
    };
    const analyzed = base(analyzePasses);
    output.results.push({
      ...analyzed,
      notes: ['analyze in one process: a warm scope, frames read from disk, first frame in to last result', load],
    });
    for (const setup of setups) {
      const result = base(setup.passes);
      const overhead =
        setup.concurrency === 1 ? spreadOf(setup.passes.map((pass) => (pass.ms - pass.analyzeMs!) / files.length)).median : undefined;
      output.results.push({
        ...result,
        workerProcesses: setup.processes,
        relativeToAnalyze: result.framesPerSecond! / analyzed.framesPerSecond!,
        ...(overhead !== undefined ? { queueOverheadMs: overhead } : {}),
        notes: [
          `${setup.label}, ${setup.concurrency} frame job(s) at a time each, native backend, ${scope.workers} preprocess worker(s) each; ` +
            "submit to report (slide aggregation and the submitter's 20 ms polling included)",
          load,
        ],
      });
    }
  } catch (error) {
    output.skipped.push(`node cluster: ${reasonOf(error)}`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await scope.dispose();
    await redis.stop();
  }
  return output;
}

/** A `smearscope worker` process on `url`, resolved once it listens. */
async function startWorker(url: string, concurrency: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/smearscope.js', 'worker', '--queue', url, '--concurrency', String(concurrency), '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('waiting for frames')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`a worker exited with code ${code}: ${log}`)));
  });
  return child;
}

async function analyzePass(scope: Awaited<ReturnType<typeof createScope>>, files: string[]): Promise<Pass> {
  const started = performance.now();
  let cells = 0;
  async function* frames() {
    for (const file of files) yield { encoded: await readFile(file), label: file, micronsPerPixel: BCCD_MICRONS_PER_PIXEL };
  }
  for await (const result of scope.analyzeStream(frames())) {
    if (result.error) throw new Error(`analyze: ${result.label}: ${result.error.message}`);
    cells += result.cells.length;
  }
  return { ms: performance.now() - started, cells };
}

async function queuePass(url: string, files: string[], slideId: string, withAnalyzeMs: boolean): Promise<Pass> {
  const started = performance.now();
  const submission = await submitSlide({ queue: url, frames: files, slideId, micronsPerPixel: BCCD_MICRONS_PER_PIXEL });
  try {
    const report = await submission.report({ pollMs: 20 });
    const ms = performance.now() - started;
    const failed = report.frames.find((frame) => frame.error);
    if (failed) throw new Error(`cluster: ${failed.label}: ${failed.error!.message}`);
    const cells = report.frames.reduce((sum, frame) => sum + frame.cells.length, 0);
    if (!withAnalyzeMs) return { ms, cells };
    const queue = new Queue<unknown, FrameJobResult>(FRAMES_QUEUE, { connection: redisConnection(url) });
    try {
      const jobs = await Promise.all(files.map((_, index) => queue.getJob(frameJobId(slideId, index))));
      return { ms, cells, analyzeMs: jobs.reduce((sum, job) => sum + job!.returnvalue.analyzeMs, 0) };
    } finally {
      await queue.close();
    }
  } finally {
    await submission.close();
  }
}
