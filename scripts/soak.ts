// `npm run soak -- [--frames 10000] [--seed 16] [--backend auto] [--allocator tuned|default]` (built into dist/node/soak.js):
// a long run of the pipeline with faults mixed in (not part of `npm test`): corrupt files, oversize
// frames (raw and a 20000 x 20000 PNG), self-looping TIFFs, preprocess worker crashes, inference
// worker kills at random moments, and streams aborted part-way. Prints frames in / results out /
// errors by code / RSS slope, and exits non-zero on any lost or duplicated frame.
//
// Accounting: a frame is "in" once the source handed it to the pipeline. A stream that ends must
// yield exactly one result per frame in, in order; an aborted stream must yield a gap-free prefix
// (the frames after it are "dropped by abort", which is what abort means).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createScope, type BackendChoice, type FrameInput } from '../src/index.js';
import { mulberry32 } from '../src/seeded-random.js';
import { testingHooks } from '../src/testing.js';
import { blackPng, loopingTiff } from '../test/support/hostile-images.js';
import { leastSquaresSlope } from '../test/support/slope.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    workers: { type: 'string' },
    allocator: { type: 'string' },
  },
});

// glibc's malloc raises its mmap threshold each time a large block is freed, so the 3-20 MB frame
// and decode buffers that worker replacements churn through end up inside malloc's heaps (one
// arena per thread, up to 8 per core), whose freed holes RSS keeps: RSS then climbs in steps that
// follow replacements. A fixed threshold keeps such buffers mmapped, returned to the OS on free,
// and two arenas bound the rest. glibc reads these only at start-up, so the
// soak re-runs itself with it (README "Long-running hosts"); `--allocator default` measures glibc's
// default behaviour instead.
const TUNED_MALLOC = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' };
const allocator = values.allocator ?? 'tuned';
if (allocator !== 'tuned' && allocator !== 'default') throw new Error(`--allocator is tuned or default, not "${allocator}"`);
if (allocator === 'tuned' && process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...TUNED_MALLOC },
  });
  process.exit(child.status ?? 1);
}
const mallocSettings = Object.keys(TUNED_MALLOC)
  .map((name) => `${name}=${process.env[name] ?? '(glibc default)'}`)
  .join(' ');
const total = Number(values.frames ?? 10_000);
const backend = (values.backend ?? 'auto') as BackendChoice;
const random = mulberry32(Number(values.seed ?? 16)); // reproducible from --seed

const BCCD = '../shared/data/bccd/JPEGImages';
const jpegs = readdirSync(BCCD)
  .filter((n) => n.endsWith('.jpg'))
  .sort()
  .slice(0, 16)
  .map((n) => new Uint8Array(readFileSync(`${BCCD}/${n}`)));
const hugePng = blackPng(20000, 20000);
/** The error codes each injected fault may give; any other error is unexpected. */
const EXPECTED_ERRORS: Record<string, string[]> = {
  corrupt: ['DECODE_FAILED', 'UNSUPPORTED_FORMAT', 'FRAME_TOO_LARGE'], // random bytes may parse as a huge size
  oversize: ['FRAME_TOO_LARGE'],
  looping: ['FRAME_TIMEOUT', 'DECODE_FAILED', 'UNSUPPORTED_FORMAT'], // libtiff stops at the loop; its page is grey
};
const tiff = loopingTiff();

const scope = await createScope({
  backend,
  batchSize: 8,
  ...(values.workers ? { workers: Number(values.workers) } : {}),
  frameLimits: { maxFramePixels: 4e6 },
});
console.log(
  `soak: ${total} frames, backend ${scope.backend}, ${scope.workers} preprocess worker(s), seed ${values.seed ?? 16}, ` +
    `allocator ${process.platform === 'linux' ? mallocSettings : process.platform}`,
);

/** One input: what it is (the fault injected, if any) and the frame. */
function nextInput(n: number): { kind: string; frame: FrameInput } {
  const r = random();
  const label = `frame-${n}`;
  if (r < 0.02) return { kind: 'corrupt', frame: { encoded: corruptJpeg(), label } };
  if (r < 0.03)
    return { kind: 'oversize', frame: { width: 2500, height: 2000, channels: 3, pixels: new Uint8Array(2500 * 2000 * 3), label } };
  if (r < 0.032) return { kind: 'oversize', frame: { encoded: hugePng, label, micronsPerPixel: 0.075 } };
  if (r < 0.0335) return { kind: 'looping', frame: { encoded: tiff, label, micronsPerPixel: 0.075 } };
  return { kind: r < 0.045 ? 'crash' : 'clean', frame: { encoded: jpegs[n % jpegs.length], label, micronsPerPixel: 0.075 } };
}

const stats = { in: 0, out: 0, droppedByAbort: 0, lost: 0, duplicated: 0, streams: 0, aborted: 0, kills: 0, unexpected: 0 };
const errorsByCode: Record<string, number> = {};
const unexpected: Record<string, string> = {};
const rss: Array<[number, number]> = [];
/** The main thread's JS heap after GC: flat unless our own objects pile up (RSS also holds the
 * workers' heaps and the allocator's high-water marks, which grow with worker replacements). */
const heap: Array<[number, number]> = [];
/** Worker replacements caused by the injected faults (crashes, timeouts, kills, aborts). */
let replacements = 0;
const rssByThousand = new Map<number, number>();
const started = performance.now();
let lastLog = started;

while (stats.in < total) {
  const length = Math.min(total - stats.in, 50 + Math.floor(random() * 350));
  const abortAfter = random() < 0.2 ? Math.floor(random() * length) : -1;
  const controller = new AbortController();
  const kinds: string[] = [];
  const crashes = new Set<number>();
  const base = stats.in;
  async function* source() {
    for (let i = 0; i < length; i++) {
      const input = nextInput(base + i);
      kinds.push(input.kind);
      if (input.kind === 'crash') crashes.add(i);
      stats.in++;
      yield input.frame;
    }
  }
  // Kill an inference session's worker (any of them) at a random moment in about every third stream.
  const killSession = Math.floor(random() * scope.inferenceSessions);
  const killTimer =
    random() < 0.35
      ? setTimeout(() => {
          stats.kills++;
          replacements++;
          testingHooks(scope).killInferenceWorker(killSession);
        }, random() * 3000)
      : undefined;
  testingHooks(scope).crashPreprocess = (i) => (crashes.has(i) ? 1 : undefined);
  const seen: number[] = [];
  try {
    for await (const result of scope.analyzeStream(source(), { signal: controller.signal })) {
      seen.push(result.index);
      stats.out++;
      if (crashes.has(result.index) || result.error?.code === 'FRAME_TIMEOUT') replacements++;
      if (result.error) {
        errorsByCode[result.error.code] = (errorsByCode[result.error.code] ?? 0) + 1;
        const expected = EXPECTED_ERRORS[kinds[result.index]] ?? [];
        if (!expected.includes(result.error.code)) {
          stats.unexpected++;
          unexpected[`${kinds[result.index]}: ${result.error.code}`] = result.error.message;
        }
      }
      if (seen.length === abortAfter) controller.abort();
      if (stats.out % 250 === 0) {
        (globalThis as { gc?: () => void }).gc?.();
        const memory = process.memoryUsage();
        rss.push([stats.out, memory.rss]);
        heap.push([stats.out, memory.heapUsed]);
        rssByThousand.set(Math.ceil(stats.out / 1000), Math.round(memory.rss / 2 ** 20));
      }
    }
  } catch (error) {
    if ((error as { code?: string })?.code !== 'ABORTED' || abortAfter < 0) throw error;
    stats.aborted++;
    replacements++; // an abort kills the workers busy with the stream
  } finally {
    clearTimeout(killTimer);
  }
  stats.streams++;
  const pulled = kinds.length;
  const distinct = new Set(seen);
  stats.duplicated += seen.length - distinct.size;
  const gapFree = seen.every((index, i) => index === i);
  if (controller.signal.aborted) {
    if (!gapFree) stats.lost += seen.filter((index, i) => index !== i).length;
    stats.droppedByAbort += pulled - distinct.size;
  } else {
    stats.lost += pulled - distinct.size + (gapFree ? 0 : 1);
  }
  if (performance.now() - lastLog > 30_000) {
    lastLog = performance.now();
    console.log(
      `  ${stats.in} in, ${stats.out} out, ${((lastLog - started) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  }
}
await scope.dispose();

// RSS slope after the first fifth (warm-up), KiB per frame.
const after = rss.filter(([frame]) => frame > stats.out / 5);
const slope = leastSquaresSlope(after) / 1024;
const heapSlope = leastSquaresSlope(heap.filter(([frame]) => frame > stats.out / 5)) / 1024;
const restarts = scope.events.filter((e) => /inference worker crashed/.test(e)).length;
console.log(`frames in:        ${stats.in} (${stats.streams} streams, ${stats.aborted} aborted part-way)`);
console.log(`results out:      ${stats.out}`);
console.log(`dropped by abort: ${stats.droppedByAbort}`);
console.log(`lost:             ${stats.lost}`);
console.log(`duplicated:       ${stats.duplicated}`);
console.log(`errors by code:   ${JSON.stringify(errorsByCode)}`);
console.log(`unexpected errors (on clean frames): ${stats.unexpected}${stats.unexpected ? ' ' + JSON.stringify(unexpected) : ''}`);
console.log(`inference kills:  ${stats.kills} (restarts ${restarts})`);
console.log(
  `RSS slope after warm-up: ${slope.toFixed(3)} KiB/frame over ${after.length} samples ` +
    `(${((after[0]?.[1] ?? 0) / 2 ** 20).toFixed(0)} -> ${((after.at(-1)?.[1] ?? 0) / 2 ** 20).toFixed(0)} MiB)`,
);
console.log(`JS heap slope (main thread, after GC): ${heapSlope.toFixed(3)} KiB/frame; worker replacements by faults: ${replacements}`);
console.log(`RSS at each 1,000 frames (MiB): ${[...rssByThousand.values()].join(' ')}`);
console.log(`time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = stats.lost > 0 || stats.duplicated > 0 ? 1 : 0;

function corruptJpeg(): Uint8Array {
  const bytes = new Uint8Array(64 + Math.floor(random() * 2000));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  bytes.set([0xff, 0xd8, 0xff]);
  return bytes;
}
