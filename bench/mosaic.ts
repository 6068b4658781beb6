// Full-size synthetic smear frames with known cell centres, for localization tests and benchmarks:
// real single-cell crops from bm-matek-7 pasted at random, non-overlapping positions on a smooth
// background, each through a soft circular mask so the crop's own surroundings (erythrocytes,
// neighbouring cells) fade into the background. The cell is centred in each crop, so the crop
// centre is the ground truth.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SmearscopeError } from '../src/errors.js';
import type { Frame } from '../src/frame.js';
import { decodeImage } from '../src/io/decode.js';
import { mulberry32, randomInt } from '../test/support/random.js';
import trainingScale from '../models/train/scale.json';

/** Side of the bm-matek-7 crops in pixels. */
const MATEK_CROP_PIXELS = 250;
/**
 * Pixel size of the bm-matek-7 crops: the training helper estimated the crops' physical side from
 * their erythrocytes (models/train/scale.json: patchMicrons = 25 for the 250 px crop), i.e.
 * 0.1 um/px; erythrocytes there measure about 75 px across, 7.5 um at this scale.
 */
export const MATEK_MICRONS_PER_PIXEL = trainingScale.patchMicrons / MATEK_CROP_PIXELS;

/** Mask radii as fractions of the crop side: weight 1 inside (keeps a cell up to ~17 um across
 * intact), a raised-cosine fade to 0 at the outer radius, so crop corners are pure background. */
const MASK_INNER_FRACTION = 0.34;
const MASK_OUTER_FRACTION = 0.48;
/** Rows of pixels along each crop edge that the background colour is taken from. */
const BORDER_RING_PIXELS = 6;
/** The brightest fraction of those pixels is plasma; the rest are erythrocytes and cells. */
const BACKGROUND_BRIGHTEST_FRACTION = 0.25;
/** Background texture: gentle large-scale shading and per-pixel noise, in grey levels. */
const SHADING_GREY_LEVELS = 3;
const NOISE_GREY_LEVELS = 2;
/** Dart throws per cell before giving up on placing it. */
const PLACEMENT_ATTEMPTS = 20_000;

export interface MosaicOptions {
  /** Frame size in pixels (default 2452 x 2056, a 5 MP scanner frame). */
  width?: number;
  height?: number;
  /** Number of crops to place (default 24). */
  cells?: number;
  /** PRNG seed: the same seed and options give the same frame, bit for bit. */
  seed?: number;
  /** Folder with one subfolder of JPEG crops per class code (default ../shared/data/bm-matek-7). */
  dataDir?: string;
  /** Class codes to draw from, uniformly (default every class folder). */
  classes?: string[];
}

export interface MosaicCell {
  /** Crop centre in pixel-index coordinates (pixel (x, y) is centred at (x, y)): for an even
   * crop side this lies between pixels, e.g. top-left + 124.5 for 250 px. */
  x: number;
  y: number;
  classCode: string;
  /** The crop's path relative to dataDir, e.g. "BLA/BLA_00001.jpg". */
  file: string;
}

export interface Mosaic {
  /** RGBA8, opaque; frame.micronsPerPixel is set. */
  frame: Frame;
  micronsPerPixel: number;
  centres: MosaicCell[];
}

/**
 * Builds one mosaic frame (Node: reads the crops from disk). Throws INVALID_ARGUMENT for bad
 * options or when the cells do not fit without overlap, IO_FAILED when the data cannot be read.
 */
export async function generateMosaic(options: MosaicOptions = {}): Promise<Mosaic> {
  const { width = 2452, height = 2056, cells = 24, seed = 1, dataDir = '../shared/data/bm-matek-7' } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    invalid(`width and height must be positive integers, got ${width} x ${height}`);
  }
  if (!Number.isInteger(cells) || cells < 0) invalid(`cells must be a non-negative integer, got ${cells}`);
  if (!Number.isInteger(seed)) invalid(`seed must be an integer, got ${seed}`);
  const rng = mulberry32(seed);

  const filesByClass = await listCrops(dataDir, options.classes);
  const picks = pickCrops(rng, filesByClass, cells);
  const crops = await Promise.all(
    picks.map(async (pick) => ({ ...pick, frame: await decodeImage(await readCrop(join(dataDir, pick.file)), pick.file) })),
  );
  const cropSide = Math.max(MATEK_CROP_PIXELS, ...crops.map((crop) => Math.max(crop.frame.width, crop.frame.height)));
  if (cells > 0 && (cropSide > width || cropSide > height)) invalid(`a ${cropSide} px crop does not fit in ${width} x ${height}`);

  const pixels = new Uint8Array(width * height * 4);
  paintBackground(pixels, width, height, backgroundColour(crops.map((crop) => crop.frame)), rng);
  const centres: MosaicCell[] = [];
  for (const crop of crops) {
    const { frame } = crop;
    const [left, top] = placeCrop(rng, frame, width, height, centres, cropSide);
    blendCrop(pixels, width, frame, left, top);
    centres.push({ x: left + (frame.width - 1) / 2, y: top + (frame.height - 1) / 2, classCode: crop.classCode, file: crop.file });
  }
  return {
    frame: { width, height, channels: 4, pixels, micronsPerPixel: MATEK_MICRONS_PER_PIXEL, label: `mosaic seed ${seed}` },
    micronsPerPixel: MATEK_MICRONS_PER_PIXEL,
    centres,
  };
}

/** Sorted JPEG file names per class folder (sorted so a seed means the same crops everywhere). */
async function listCrops(dataDir: string, classes: string[] | undefined): Promise<Map<string, string[]>> {
  let folders: string[];
  try {
    folders = (await readdir(dataDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new SmearscopeError('IO_FAILED', `cannot list the crops in ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  const wanted = classes ?? folders;
  if (!Array.isArray(wanted) || wanted.length === 0) invalid('classes must be a non-empty array of class codes');
  const filesByClass = new Map<string, string[]>();
  for (const code of wanted) {
    if (!folders.includes(code)) invalid(`class ${code} has no folder in ${dataDir} (found ${folders.join(', ')})`);
    const files = (await readdir(join(dataDir, code))).filter((name) => /\.jpe?g$/i.test(name)).sort();
    if (files.length === 0) invalid(`class folder ${join(dataDir, code)} has no JPEG crops`);
    filesByClass.set(code, files);
  }
  return filesByClass;
}

/** `cells` distinct crops: a uniformly random class, then a random unused file of it. */
function pickCrops(rng: () => number, filesByClass: Map<string, string[]>, cells: number): Array<{ classCode: string; file: string }> {
  const codes = [...filesByClass.keys()];
  const used = new Set<string>();
  const available = [...filesByClass.values()].reduce((sum, files) => sum + files.length, 0);
  if (cells > available) invalid(`asked for ${cells} cells but only ${available} crops exist`);
  const picks: Array<{ classCode: string; file: string }> = [];
  while (picks.length < cells) {
    const classCode = codes[randomInt(rng, 0, codes.length - 1)];
    const files = filesByClass.get(classCode)!;
    const file = `${classCode}/${files[randomInt(rng, 0, files.length - 1)]}`;
    if (used.has(file)) continue;
    used.add(file);
    picks.push({ classCode, file });
  }
  return picks;
}

async function readCrop(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new SmearscopeError('IO_FAILED', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The plasma colour of the slides: the per-channel median of the brightest quarter of the crops'
 * outer-ring pixels. (A plain median is far too dark: marrow is dense, so most of a crop's border
 * is erythrocytes and neighbouring cells.)
 */
function backgroundColour(crops: Frame[]): [number, number, number] {
  if (crops.length === 0) return [238, 234, 250]; // an empty mosaic still gets a plausible plasma colour
  const ring: Array<[number, number, number]> = [];
  for (const crop of crops) {
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) {
        const inRing =
          x < BORDER_RING_PIXELS || y < BORDER_RING_PIXELS || x >= crop.width - BORDER_RING_PIXELS || y >= crop.height - BORDER_RING_PIXELS;
        const at = (y * crop.width + x) * crop.channels;
        if (inRing) ring.push([crop.pixels[at], crop.pixels[at + 1], crop.pixels[at + 2]]);
      }
    }
  }
  const brightness = (rgb: [number, number, number]) => rgb[0] + rgb[1] + rgb[2];
  ring.sort((a, b) => brightness(b) - brightness(a));
  const plasma = ring.slice(0, Math.max(1, Math.floor(ring.length * BACKGROUND_BRIGHTEST_FRACTION)));
  return [0, 1, 2].map((c) => plasma.map((rgb) => rgb[c]).sort((a, b) => a - b)[plasma.length >> 1]) as [number, number, number];
}

/** Fills RGBA `pixels` with `colour` plus smooth shading (separable cosines) and per-pixel noise. */
function paintBackground(pixels: Uint8Array, width: number, height: number, colour: [number, number, number], rng: () => number): void {
  const shadingX = cosineShading(rng, width);
  const shadingY = cosineShading(rng, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // One draw per pixel: a luminance-like noise shared by the channels keeps generation fast.
      const offset = shadingX[x] + shadingY[y] + (rng() * 2 - 1) * NOISE_GREY_LEVELS;
      const at = (y * width + x) * 4;
      pixels[at] = clampByte(colour[0] + offset);
      pixels[at + 1] = clampByte(colour[1] + offset);
      pixels[at + 2] = clampByte(colour[2] + offset);
      pixels[at + 3] = 255;
    }
  }
}

/** Half of the shading amplitude along one axis: one cosine of random phase over ~1-2 periods. */
function cosineShading(rng: () => number, length: number): Float64Array {
  const periods = 0.5 + rng() * 1.5;
  const phase = rng() * 2 * Math.PI;
  return Float64Array.from({ length }, (_, i) => (SHADING_GREY_LEVELS / 2) * Math.cos(phase + (2 * Math.PI * periods * i) / length));
}

/** A top-left corner for `crop` whose centre is at least `spacing` px from every placed centre. */
function placeCrop(rng: () => number, crop: Frame, width: number, height: number, placed: MosaicCell[], spacing: number): [number, number] {
  for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
    const left = randomInt(rng, 0, width - crop.width);
    const top = randomInt(rng, 0, height - crop.height);
    const x = left + (crop.width - 1) / 2;
    const y = top + (crop.height - 1) / 2;
    if (placed.every((cell) => (cell.x - x) ** 2 + (cell.y - y) ** 2 >= spacing * spacing)) return [left, top];
  }
  invalid(`could not place ${placed.length + 1} cells ${spacing} px apart in ${width} x ${height}; ask for fewer cells or a larger frame`);
}

/** Blends `crop` into RGBA `pixels` at (left, top) through the soft circular mask. */
function blendCrop(pixels: Uint8Array, width: number, crop: Frame, left: number, top: number): void {
  const side = Math.min(crop.width, crop.height);
  const inner = MASK_INNER_FRACTION * side;
  const outer = MASK_OUTER_FRACTION * side;
  const centreX = (crop.width - 1) / 2;
  const centreY = (crop.height - 1) / 2;
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const radius = Math.hypot(x - centreX, y - centreY);
      if (radius >= outer) continue;
      // Raised cosine from 1 at `inner` to 0 at `outer`; exactly 1 inside, so the cell is untouched.
      const weight = radius <= inner ? 1 : 0.5 + 0.5 * Math.cos((Math.PI * (radius - inner)) / (outer - inner));
      const source = (y * crop.width + x) * crop.channels;
      const target = ((top + y) * width + left + x) * 4;
      for (let c = 0; c < 3; c++) {
        pixels[target + c] =
          weight === 1 ? crop.pixels[source + c] : clampByte(weight * crop.pixels[source + c] + (1 - weight) * pixels[target + c]);
      }
    }
  }
}

function clampByte(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

function invalid(message: string): never {
  throw new SmearscopeError('INVALID_ARGUMENT', message);
}
