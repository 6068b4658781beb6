// Bundled by test/browser/graph-capture.test.ts and loaded in the page: the shipped model on the
// webgpu backend, loaded as the SDK loads it (src/platform/browser-ort.ts: the native WebGPU EP
// build from dist/ort), through smearscope's session code three times: without graph capture,
// with it, and with it where the replay must fail (the fallback). All three are fed the same real
// cell patches (PBC JPEGs decoded by the browser, cut by the WASM patch kernel at the card's
// window), a different batch each run.
import type { BatchOutputs, OrtModule } from '../../src/inference/backend.js';
import type { ClassifierSession } from '../../src/inference/classifier-session.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { createOrtSession } from '../../src/inference/ort-session.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { floatsPerPatch, writePatches, type PatchSpec } from '../../src/patch/write-patches.js';
import { ortLoader } from '../../src/platform/browser-ort.js';

/** PBC frames are 0.102 um per pixel (models/train/scale-pbc-8.json). */
const PBC_MICRONS_PER_PIXEL = 0.102;

/** One run's outputs, batch-major, as plain arrays. */
export interface RunOutputs {
  logits: number[];
  features: number[];
}

export interface CaptureComparison {
  /** null when the page has no WebGPU adapter (the test then skips). */
  adapter: string | null;
  runtime: string;
  notes: { uncaptured: string[]; captured: string[]; fallback: string[] };
  /** Per run, each session's outputs for the same batch. */
  runs: { uncaptured: RunOutputs; captured: RunOutputs; fallback: RunOutputs }[];
  /** Further runs of the captured session with its input upload dropped (a replay of stale input). */
  staleRuns: { uncaptured: RunOutputs; captured: RunOutputs }[];
}

/**
 * `runs` batches of `batchSize` real patches through three webgpu sessions of `cardUrl`: no
 * capture, capture, and capture where the capturing run's buffer registrations are hidden from
 * src/inference/webgpu-registration.ts (as without it: the first replay fails, capture must be
 * dropped). Then `staleRuns` more batches with the captured session's input upload skipped.
 */
export async function compareCapture(
  cardUrl: string,
  imageUrls: string[],
  batchSize: number,
  runs: number,
  staleRuns: number,
): Promise<CaptureComparison> {
  const adapter = await navigator.gpu?.requestAdapter();
  const empty = { runtime: '', notes: { uncaptured: [], captured: [], fallback: [] }, runs: [], staleRuns: [] };
  if (!adapter) return { adapter: null, ...empty };
  const info = adapter.info ?? { vendor: '', architecture: '', description: '' };
  const card = (await (await fetch(cardUrl)).json()) as ModelCard;
  const modelBytes = new Uint8Array(await (await fetch(new URL(card.model, new URL(cardUrl, location.href)))).arrayBuffer());
  const batches = await realPatchBatches(card, imageUrls, batchSize, runs + staleRuns);

  const ort = (await ortLoader.loadOrt('webgpu', '/dist/')) as OrtModule;
  const open = (graphCapture: boolean) => createOrtSession(ort, modelBytes, card, { backend: 'webgpu', batchSize, graphCapture });
  const sessions: ClassifierSession[] = [];
  try {
    const uncaptured = await open(false);
    sessions.push(uncaptured);
    const captured = await open(true);
    sessions.push(captured);
    const fallback = await withoutBufferSymbols(() => open(true));
    sessions.push(fallback);
    const result: CaptureComparison = {
      adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
      runtime: captured.runtime,
      notes: { uncaptured: uncaptured.notes, captured: captured.notes, fallback: fallback.notes },
      runs: [],
      staleRuns: [],
    };
    for (let run = 0; run < runs; run++) {
      const batch = batches[run];
      result.runs.push({
        uncaptured: plain(await uncaptured.run(batch)),
        captured: plain(await captured.run(batch)),
        fallback: plain(await fallback.run(batch)),
      });
    }
    const device = (await ort.env.webgpu.device) as GPUDevice;
    for (let run = runs; run < runs + staleRuns; run++) {
      const batch = batches[run];
      const expected = plain(await uncaptured.run(batch));
      const restore = dropUploads(device, batch.byteLength);
      const replayed = await captured.run(batch).finally(restore);
      result.staleRuns.push({ uncaptured: expected, captured: plain(replayed) });
    }
    return result;
  } finally {
    for (const session of sessions) await session.dispose();
  }
}

function plain(outputs: BatchOutputs): RunOutputs {
  return { logits: Array.from(outputs.logits), features: Array.from(outputs.features ?? []) };
}

/** Runs `create` while GPUBuffers show no symbol-keyed properties (hides ORT's registration counts). */
async function withoutBufferSymbols<T>(create: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertySymbols;
  Object.getOwnPropertySymbols = (target: object) => (target instanceof GPUBuffer ? [] : original(target));
  try {
    return await create();
  } finally {
    Object.getOwnPropertySymbols = original;
  }
}

/** Makes `device.queue.writeBuffer` ignore writes of `byteLength` bytes (the batch upload) until the returned function runs. */
function dropUploads(device: GPUDevice, byteLength: number): () => void {
  const queue = device.queue;
  const original = queue.writeBuffer;
  queue.writeBuffer = function (this: GPUQueue, ...args: Parameters<GPUQueue['writeBuffer']>) {
    if (args[4] === byteLength) return;
    return original.apply(this, args);
  } as GPUQueue['writeBuffer'];
  return () => {
    queue.writeBuffer = original;
  };
}

/** `count` batches of real patches: the centre window of each image in turn, cut as the pipeline cuts it. */
async function realPatchBatches(card: ModelCard, imageUrls: string[], batchSize: number, count: number): Promise<Float32Array[]> {
  const kernels = await instantiateKernels();
  const spec: PatchSpec = {
    patchMicrons: card.input.patchMicrons,
    micronsPerPixel: PBC_MICRONS_PER_PIXEL,
    inputWidth: card.input.width,
    inputHeight: card.input.height,
    mean: card.input.mean,
    std: card.input.std,
    border: 'reflect',
  };
  const batches: Float32Array[] = [];
  let next = 0;
  for (let b = 0; b < count; b++) {
    const batch = new Float32Array(batchSize * floatsPerPatch(spec));
    for (let slot = 0; slot < batchSize; slot++) {
      const bitmap = await createImageBitmap(await (await fetch(imageUrls[next++ % imageUrls.length])).blob());
      const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
      context.drawImage(bitmap, 0, 0);
      const pixels = new Uint8Array(context.getImageData(0, 0, bitmap.width, bitmap.height).data.buffer);
      const mark = kernels.memory.mark();
      const frame = placeFrame(kernels, { width: bitmap.width, height: bitmap.height, channels: 4, pixels });
      writePatches(kernels, frame, [{ x: (bitmap.width - 1) / 2, y: (bitmap.height - 1) / 2 }], spec, batch, slot);
      kernels.memory.release(mark);
    }
    batches.push(batch);
  }
  return batches;
}
