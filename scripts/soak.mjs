// `npm run soak -- [--frames 10000] [--seed 16] [--backend auto]`: a long run of the pipeline with
// faults mixed in (not part of `npm test`): corrupt files, oversize frames (raw and a 20000 x 20000
// PNG), self-looping TIFFs, preprocess worker crashes, inference worker kills at random moments,
// and streams aborted part-way. Prints frames in / results out / errors by code / RSS slope, and
// exits non-zero on any lost or duplicated frame.
//
// Accounting: a frame is "in" once the source handed it to the pipeline. A stream that ends must
// yield exactly one result per frame in, in order; an aborted stream must yield a gap-free prefix
// (the frames after it are "dropped by abort", which is what abort means).
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { createScope } from '../dist/node/index.js';

const { values } = parseArgs({
  options: { frames: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, workers: { type: 'string' } },
});
const total = Number(values.frames ?? 10_000);
const backend = values.backend ?? 'auto';
let seed = Number(values.seed ?? 16) >>> 0;
// mulberry32: reproducible from --seed.
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const BCCD = '../shared/data/bccd/JPEGImages';
const jpegs = readdirSync(BCCD).filter((n) => n.endsWith('.jpg')).sort().slice(0, 16).map((n) => new Uint8Array(readFileSync(`${BCCD}/${n}`)));
const hugePng = blackPng(20000, 20000);
const tiff = loopingTiff();

const scope = await createScope({
  backend,
  batchSize: 8,
  ...(values.workers ? { workers: Number(values.workers) } : {}),
  frameLimits: { decodeMs: 3000, maxFramePixels: 4e6 },
});
console.log(`soak: ${total} frames, backend ${scope.backend}, ${scope.workers} preprocess worker(s), seed ${values.seed ?? 16}`);

/** One input: what it is (the fault injected, if any) and the frame. */
function nextInput(n) {
  const r = random();
  const label = `frame-${n}`;
  if (r < 0.02) return { kind: 'corrupt', frame: { encoded: corruptJpeg(), label } };
  if (r < 0.03) return { kind: 'oversize', frame: { width: 2500, height: 2000, channels: 3, pixels: new Uint8Array(2500 * 2000 * 3), label } };
  if (r < 0.032) return { kind: 'oversize', frame: { encoded: hugePng, label, micronsPerPixel: 0.075 } };
  if (r < 0.0335) return { kind: 'looping', frame: { encoded: tiff, label, micronsPerPixel: 0.075 } };
  return { kind: r < 0.045 ? 'crash' : 'clean', frame: { encoded: jpegs[n % jpegs.length], label, micronsPerPixel: 0.075 } };
}

const stats = { in: 0, out: 0, droppedByAbort: 0, lost: 0, duplicated: 0, streams: 0, aborted: 0, kills: 0, unexpected: 0 };
const errorsByCode = {};
const unexpected = {};
const rss = [];
const started = performance.now();
let lastLog = started;

while (stats.in < total) {
  const length = Math.min(total - stats.in, 50 + Math.floor(random() * 350));
  const abortAfter = random() < 0.2 ? Math.floor(random() * length) : -1;
  const controller = new AbortController();
  const kinds = [];
  const crashes = new Set();
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
  // Kill the inference worker at a random moment in about every third stream.
  const killTimer = random() < 0.35 ? setTimeout(() => {
    stats.kills++;
    scope.testing.killInferenceWorker();
  }, random() * 3000) : undefined;
  const seen = [];
  try {
    for await (const result of scope.analyzeStream(source(), { signal: controller.signal, crashPreprocess: (i) => (crashes.has(i) ? 1 : undefined) })) {
      seen.push(result.index);
      stats.out++;
      if (result.error) {
        errorsByCode[result.error.code] = (errorsByCode[result.error.code] ?? 0) + 1;
        const expected = { corrupt: ['DECODE_FAILED', 'UNSUPPORTED_FORMAT', 'FRAME_TOO_LARGE'], oversize: ['FRAME_TOO_LARGE'], looping: ['FRAME_TIMEOUT', 'DECODE_FAILED'] }[kinds[result.index]] ?? [];
        if (!expected.includes(result.error.code)) {
          stats.unexpected++;
          unexpected[`${kinds[result.index]}: ${result.error.code}`] = result.error.message;
        }
      }
      if (seen.length === abortAfter) controller.abort();
      if (stats.out % 250 === 0) {
        globalThis.gc?.();
        rss.push([stats.out, process.memoryUsage().rss]);
      }
    }
  } catch (error) {
    if (error?.code !== 'ABORTED' || abortAfter < 0) throw error;
    stats.aborted++;
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
    console.log(`  ${stats.in} in, ${stats.out} out, ${((lastLog - started) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  }
}
await scope.dispose();

// RSS slope after the first fifth (warm-up), KiB per frame.
const after = rss.filter(([frame]) => frame > stats.out / 5);
const slope = leastSquaresSlope(after) / 1024;
const restarts = scope.events.filter((e) => /inference worker crashed/.test(e)).length;
console.log(`frames in:        ${stats.in} (${stats.streams} streams, ${stats.aborted} aborted part-way)`);
console.log(`results out:      ${stats.out}`);
console.log(`dropped by abort: ${stats.droppedByAbort}`);
console.log(`lost:             ${stats.lost}`);
console.log(`duplicated:       ${stats.duplicated}`);
console.log(`errors by code:   ${JSON.stringify(errorsByCode)}`);
console.log(`unexpected errors (on clean frames): ${stats.unexpected}${stats.unexpected ? ' ' + JSON.stringify(unexpected) : ''}`);
console.log(`inference kills:  ${stats.kills} (restarts ${restarts})`);
console.log(`RSS slope after warm-up: ${slope.toFixed(3)} KiB/frame over ${after.length} samples ` +
  `(${(after[0]?.[1] / 2 ** 20).toFixed(0)} -> ${(after.at(-1)?.[1] / 2 ** 20).toFixed(0)} MiB)`);
console.log(`time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = stats.lost > 0 || stats.duplicated > 0 ? 1 : 0;

function leastSquaresSlope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let cov = 0;
  let v = 0;
  for (const [x, y] of points) {
    cov += (x - mx) * (y - my);
    v += (x - mx) ** 2;
  }
  return v === 0 ? 0 : cov / v;
}

function corruptJpeg() {
  const bytes = new Uint8Array(64 + Math.floor(random() * 2000));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  bytes.set([0xff, 0xd8, 0xff]);
  return bytes;
}

// The same hostile files as test/support/hostile-images.ts (a script cannot import TypeScript).
function loopingTiff() {
  const entries = [[256, 3, 1, 1], [257, 3, 1, 1], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1], [273, 4, 1, 0], [277, 3, 1, 1], [278, 3, 1, 1], [279, 4, 1, 1]];
  const size = 8 + 2 + entries.length * 12 + 4 + 1;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    const v = tag === 273 ? size - 1 : value;
    if (type === 3) view.setUint16(at + 8, v, true);
    else view.setUint32(at + 8, v, true);
  });
  view.setUint32(10 + entries.length * 12, 8, true);
  return bytes;
}

function blackPng(width, height) {
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
