import { SmearscopeError } from '../errors.js';
import { checkMicronsPerPixel } from '../frame.js';
import { BACKGROUND_INTENSITY, checkBackgroundIntensity } from '../stain/background.js';
import type { KernelInstance } from '../kernels/load.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';

/** What to do with the parts of a patch that fall outside the frame. */
export type BorderPolicy = 'reflect' | 'constant' | 'skip';

/**
 * How to cut and prepare one model input per cell. The crop is a square of `patchMicrons` around
 * the centre (side in source pixels = patchMicrons / micronsPerPixel), resampled bilinearly with
 * half-pixel centres and no antialiasing (exactly as models/train/resample.py trained the model):
 *   source x = x0 + (j + 0.5) * (side / inputWidth) - 0.5,  x0 = centre.x + 0.5 - side / 2.
 */
export interface PatchSpec {
  /** Physical side of the square cut around each centre, in microns. */
  patchMicrons: number;
  /** Pixel size of the frame, in microns per pixel. */
  micronsPerPixel: number;
  /** Model input size in pixels (the batch layout is [B, 3, inputHeight, inputWidth]). */
  inputWidth: number;
  inputHeight: number;
  /** Per-channel RGB mean and std: output = (v / 255 - mean) / std. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /**
   * Pixels outside the frame: 'reflect' mirrors about the edge (pixel -1 = pixel 0, as torch
   * grid_sample padding 'reflection'); 'constant' uses `constantRgb`; 'skip' leaves the slot
   * unwritten when any sample falls outside the frame and reports it as false.
   */
  border: BorderPolicy;
  /** Fill colour for border 'constant': three integers 0..255. */
  constantRgb?: readonly [number, number, number];
  /**
   * Optional stain normalization: the 9-entry OD-space map from `stainTransform(source, reference)`
   * (src/stain/transform.ts), applied to the interpolated intensities before mean/std.
   */
  stain?: Float32Array;
  /** Background intensity (Io) of the optical density for `stain`, grey levels (1..256, default 240). */
  backgroundIntensity?: number;
}

/** A cell centre in pixel-index coordinates of the frame: pixel (x, y) has its centre at (x, y). */
export interface PatchCentre {
  x: number;
  y: number;
}

const BORDER_CODES: Record<BorderPolicy, number> = { reflect: 0, constant: 1, skip: 2 };
/** Model inputs larger than this per side are surely a mistake (and would need huge scratch). */
const MAX_INPUT_PIXELS = 4096;
/** Crop side limit in source pixels: keeps every tap index far inside int32 in the kernel. */
const MAX_SIDE_PIXELS = 1_000_000;
/** Centre coordinates must lie within this many pixels of the origin (same reason). */
const MAX_CENTRE_PIXELS = 10_000_000;
/** Output written per kernel call: many cells at large inputs are done in chunks of this size. */
const CHUNK_OUTPUT_BYTES = 16 * 2 ** 20;
/** The kernel may read (never use) this many bytes past the frame's last byte. */
const FRAME_READ_SLACK_BYTES = 16;

/** Floats one cell occupies in the batch: 3 * inputHeight * inputWidth. */
export function floatsPerPatch(spec: Pick<PatchSpec, 'inputWidth' | 'inputHeight'>): number {
  return 3 * spec.inputWidth * spec.inputHeight;
}

/** Side of the crop in source pixels (patchMicrons / micronsPerPixel). */
export function patchSidePixels(spec: Pick<PatchSpec, 'patchMicrons' | 'micronsPerPixel'>): number {
  return spec.patchMicrons / spec.micronsPerPixel;
}

/**
 * Whether border 'skip' writes this centre's patch: every sample coordinate lies inside
 * [0, width - 1] x [0, height - 1] (the kernel's own test, assembly/patch.ts, same f64 expressions).
 * Lets a caller that writes patches elsewhere (the GPU) know the skipped cells beforehand.
 */
export function patchInsideFrame(centre: PatchCentre, spec: PatchSpec, width: number, height: number): boolean {
  const sidePx = patchSidePixels(spec);
  const stepX = sidePx / spec.inputWidth;
  const stepY = sidePx / spec.inputHeight;
  const x0 = centre.x + 0.5 - sidePx * 0.5;
  const y0 = centre.y + 0.5 - sidePx * 0.5;
  const xFirst = x0 + 0.5 * stepX - 0.5;
  const xLast = x0 + (spec.inputWidth - 0.5) * stepX - 0.5;
  const yFirst = y0 + 0.5 * stepY - 0.5;
  const yLast = y0 + (spec.inputHeight - 0.5) * stepY - 0.5;
  return !(xFirst < 0 || yFirst < 0 || xLast > width - 1 || yLast > height - 1);
}

/**
 * Writes one float32 NCHW patch per centre into `batch` ([B, 3, inputHeight, inputWidth]):
 * centre i goes to slot firstSlot + i. Returns, per centre, true when written and false when
 * skipped by border 'skip' (that slot is left untouched). The caller owns `batch`; the frame must
 * be resident (placeFrame). Scratch lives in kernel memory only during the call, and is allocated
 * once per call, never per cell. Throws INVALID_ARGUMENT naming the first bad parameter.
 */
export function writePatches(
  kernels: KernelInstance,
  resident: ResidentFrame,
  centres: readonly PatchCentre[],
  spec: PatchSpec,
  batch: Float32Array,
  firstSlot: number,
): boolean[] {
  const sidePx = checkPatchSpec(spec);
  checkResident(kernels, resident);
  checkCentres(centres);
  const slotFloats = floatsPerPatch(spec);
  checkBatch(batch, slotFloats, firstSlot, centres.length);
  const written = new Array<boolean>(centres.length).fill(false);
  if (centres.length === 0) return written;

  const exports = kernels.exports;
  const memory = kernels.memory;
  const chunkCells = Math.max(1, Math.min(centres.length, Math.floor(CHUNK_OUTPUT_BYTES / (slotFloats * 4))));
  const mark = memory.mark();
  try {
    const stainPtr = spec.stain ? memory.allocCopy(spec.stain) : 0;
    const centresPtr = memory.alloc(chunkCells * 16);
    const scratchPtr = memory.alloc(exports.patchScratchBytes(resident.width, resident.channels, spec.inputWidth));
    const outPtr = memory.alloc(chunkCells * slotFloats * 4);
    const writtenPtr = memory.alloc(chunkCells);
    const frameEnd = resident.ptr + resident.width * resident.height * resident.channels;
    // Allocations above the frame make the kernel's over-read addressable; say so if that ever breaks.
    if (frameEnd + FRAME_READ_SLACK_BYTES > memory.memory.buffer.byteLength) {
      throw new SmearscopeError('KERNEL_FAILED', 'the resident frame must lie below the patch scratch in kernel memory');
    }
    // Views after the last allocation (growth detaches them).
    const centreView = memory.f64(centresPtr, chunkCells * 2);
    const outView = memory.f32(outPtr, chunkCells * slotFloats);
    const writtenView = memory.u8(writtenPtr, chunkCells);
    const [meanR, meanG, meanB] = spec.mean;
    const [stdR, stdG, stdB] = spec.std;
    const fill = spec.constantRgb ? (spec.constantRgb[0] | (spec.constantRgb[1] << 8) | (spec.constantRgb[2] << 16)) >>> 0 : 0;
    for (let start = 0; start < centres.length; start += chunkCells) {
      const count = Math.min(chunkCells, centres.length - start);
      for (let i = 0; i < count; i++) {
        centreView[2 * i] = centres[start + i].x;
        centreView[2 * i + 1] = centres[start + i].y;
      }
      exports.writePatches(
        resident.ptr,
        resident.width,
        resident.height,
        resident.channels,
        centresPtr,
        count,
        sidePx,
        spec.inputWidth,
        spec.inputHeight,
        meanR,
        meanG,
        meanB,
        stdR,
        stdG,
        stdB,
        BORDER_CODES[spec.border],
        fill,
        stainPtr,
        spec.backgroundIntensity ?? BACKGROUND_INTENSITY,
        scratchPtr,
        outPtr,
        writtenPtr,
      );
      // A no-op unless the kernels were made with canaries (tests, fuzzing): catches stray writes.
      memory.checkCanaries();
      copyWrittenSlots(outView, writtenView, count, slotFloats, batch, firstSlot + start, written, start);
    }
  } finally {
    memory.release(mark);
  }
  return written;
}

/** Copies each run of consecutive written slots out in one `set`; skipped slots stay untouched. */
function copyWrittenSlots(
  outView: Float32Array,
  writtenView: Uint8Array,
  count: number,
  slotFloats: number,
  batch: Float32Array,
  batchSlot: number,
  written: boolean[],
  firstCentre: number,
): void {
  let runStart = -1;
  for (let i = 0; i <= count; i++) {
    const isWritten = i < count && writtenView[i] === 1;
    if (i < count) written[firstCentre + i] = isWritten;
    if (isWritten && runStart < 0) runStart = i;
    if (!isWritten && runStart >= 0) {
      batch.set(outView.subarray(runStart * slotFloats, i * slotFloats), (batchSlot + runStart) * slotFloats);
      runStart = -1;
    }
  }
}

/** Validates a PatchSpec; returns the crop side in source pixels. */
export function checkPatchSpec(spec: PatchSpec): number {
  if (!spec || typeof spec !== 'object') invalid('spec must be a PatchSpec object');
  const { patchMicrons, micronsPerPixel, inputWidth, inputHeight, mean, std, border, constantRgb, stain, backgroundIntensity } = spec;
  if (!(Number.isFinite(patchMicrons) && patchMicrons > 0)) invalid(`patchMicrons must be a positive number, got ${patchMicrons}`);
  checkMicronsPerPixel(micronsPerPixel, 'INVALID_ARGUMENT', 'writePatches: micronsPerPixel');
  const sidePx = patchSidePixels(spec);
  if (!(sidePx <= MAX_SIDE_PIXELS)) {
    invalid(`the patch side is ${sidePx} px (patchMicrons / micronsPerPixel); at most ${MAX_SIDE_PIXELS} px: check the units`);
  }
  for (const [name, pixels] of [
    ['inputWidth', inputWidth],
    ['inputHeight', inputHeight],
  ] as const) {
    if (!(Number.isInteger(pixels) && pixels >= 1 && pixels <= MAX_INPUT_PIXELS)) {
      invalid(`${name} must be an integer from 1 to ${MAX_INPUT_PIXELS}, got ${pixels}`);
    }
  }
  if (!isTriple(mean) || !mean.every(Number.isFinite)) invalid(`mean must be three finite numbers [r, g, b], got ${String(mean)}`);
  // A tiny std would turn (v/255 - mean)/std into float32 infinities.
  if (!isTriple(std) || !std.every((s) => Number.isFinite(s) && s >= 1e-6)) {
    invalid(`std must be three numbers >= 1e-6 [r, g, b], got ${String(std)}`);
  }
  if (typeof border !== 'string' || !Object.hasOwn(BORDER_CODES, border)) {
    invalid(`border must be 'reflect', 'constant' or 'skip', got ${String(border)}`);
  }
  if (border === 'constant') {
    if (!isTriple(constantRgb) || !constantRgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
      invalid(`border 'constant' needs constantRgb: three integers 0..255, got ${String(constantRgb)}`);
    }
  }
  if (stain !== undefined) {
    // Bounded entries keep M * OD finite in float32 (the same bound stainTransform enforces).
    if (!(stain instanceof Float32Array) || stain.length !== 9 || !stain.every((m) => Math.abs(m) < 1e9)) {
      invalid('stain must be the Float32Array(9) from stainTransform(source, reference), entries finite');
    }
  }
  if (backgroundIntensity !== undefined) checkBackgroundIntensity(backgroundIntensity);
  return sidePx;
}

function checkResident(kernels: KernelInstance, resident: ResidentFrame): void {
  const { ptr, width, height, channels } = resident ?? ({} as ResidentFrame);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || (channels !== 3 && channels !== 4)) {
    invalid('resident must be a frame placed with placeFrame(kernels, frame)');
  }
  if (!Number.isInteger(ptr) || ptr <= 0 || ptr + width * height * channels > kernels.memory.memory.buffer.byteLength) {
    invalid('resident frame lies outside kernel memory: place it with placeFrame on these kernels and do not release it');
  }
}

/** Validates cell centres (finite, within MAX_CENTRE_PIXELS). */
export function checkCentres(centres: readonly PatchCentre[]): void {
  if (!Array.isArray(centres)) invalid('centres must be an array of { x, y }');
  centres.forEach((centre, i) => {
    const ok =
      centre &&
      typeof centre.x === 'number' &&
      typeof centre.y === 'number' &&
      Math.abs(centre.x) <= MAX_CENTRE_PIXELS &&
      Math.abs(centre.y) <= MAX_CENTRE_PIXELS;
    if (!ok) invalid(`centres[${i}] must be { x, y } finite, within ${MAX_CENTRE_PIXELS} px, got ${JSON.stringify(centre)}`);
  });
}

function checkBatch(batch: Float32Array, slotFloats: number, firstSlot: number, cellCount: number): void {
  if (!(batch instanceof Float32Array)) invalid('batch must be a Float32Array laid out [B, 3, inputHeight, inputWidth]');
  if (batch.length === 0 || batch.length % slotFloats !== 0) {
    invalid(`batch has ${batch.length} floats, not a whole number of ${slotFloats}-float slots (3 x inputHeight x inputWidth)`);
  }
  const slots = batch.length / slotFloats;
  if (!(Number.isInteger(firstSlot) && firstSlot >= 0 && firstSlot < slots)) {
    invalid(`firstSlot must be an integer from 0 to ${slots - 1}, got ${firstSlot}`);
  }
  if (firstSlot + cellCount > slots) {
    invalid(`batch too small: ${cellCount} patches from slot ${firstSlot} need ${firstSlot + cellCount} slots, it has ${slots}`);
  }
}

function isTriple(value: unknown): value is [number, number, number] {
  return (Array.isArray(value) || ArrayBuffer.isView(value)) && (value as ArrayLike<number>).length === 3;
}

function invalid(message: string): never {
  throw new SmearscopeError('INVALID_ARGUMENT', message);
}
