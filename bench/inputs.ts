import type { Frame } from '../src/frame.js';
import type { MatmulSizes } from '../models/zoo/matmul.js';

/** Frames of one kind, decoded, for a suite. Suites never modify them (the pipeline copies). */
export interface FrameSet {
  /** "mosaic" (generated bone-marrow frames, known scale) or "bccd" (real blood frames at the set's measured 0.075 um/px). */
  name: 'mosaic' | 'bccd';
  /** For the table, e.g. "mosaic 2452x2056". */
  description: string;
  frames: Frame[];
}

/** A model to measure: its card's location (a path in Node, a URL in the page). */
export interface BenchModel {
  id: string;
  card: string;
  /** shipped: a trained model of models/; small / large: untrained reference architectures. */
  role: 'shipped' | 'small' | 'large';
  /** false: measured in the models suite only, never a pipeline plan (default: per role, see plans.ts). */
  pipeline?: boolean;
  /** A shipped model's class scheme (the BCCD plan takes a peripheral-blood model where one is measured). */
  scheme?: string;
  /** false: measured only when --model names it (the shipped models besides the default and npm start's). */
  byDefault?: boolean;
}

/** The models a run measures: those --model names, else every one not marked byDefault: false. */
export function selectModels(models: readonly BenchModel[], named: readonly string[] | undefined): BenchModel[] {
  return named ? models.filter((model) => named.includes(model.id)) : models.filter((model) => model.byDefault !== false);
}

/** The MatMul probe graph: location of its .onnx, its sizes and FLOPs per run. */
export interface MatmulProbe {
  id: string;
  onnx: string;
  sizes: MatmulSizes;
  flopsPerRun: number;
}

/** Everything the suites read, prepared by the Node driver (and handed to the page as locations). */
export interface BenchInputs {
  models: BenchModel[];
  matmul: MatmulProbe;
  mosaic: FrameSet;
  bccd: FrameSet;
}

/** Describes a set of frames by its name and frame size, e.g. "mosaic 2452x2056". */
export function describeFrames(name: FrameSet['name'], frames: readonly Frame[]): string {
  const sizes = [...new Set(frames.map((frame) => `${frame.width}x${frame.height}`))];
  return `${name} ${sizes.join('/')}`;
}

/** An RGBA8 frame's RGB8 copy, other fields kept (the bench's mosaics are RGBA8, as a browser's ImageData). */
export function withoutAlpha(frame: Frame): Frame {
  const pixelCount = frame.width * frame.height;
  const pixels = new Uint8Array(pixelCount * 3);
  for (let i = 0, j = 0; i < pixelCount * 4; i += 4, j += 3) {
    pixels[j] = frame.pixels[i];
    pixels[j + 1] = frame.pixels[i + 1];
    pixels[j + 2] = frame.pixels[i + 2];
  }
  return { ...frame, channels: 3, pixels };
}
