import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BenchInputs, FrameSet } from '../inputs.js';
import { PAGE_INPUTS_PATH, type FrameFile, type PageInputs } from './page-inputs.js';

/**
 * Writes the inputs for the browser suite (Node side): each frame's pixels as a raw file under
 * build/bench/frames/ and the manifest at PAGE_INPUTS_PATH, all as URL paths from the package root.
 */
export async function writePageInputs(inputs: BenchInputs): Promise<void> {
  const folder = join(dirname(PAGE_INPUTS_PATH), 'frames');
  await mkdir(folder, { recursive: true });
  const files = async (set: FrameSet) => ({
    description: set.description,
    frames: await Promise.all(
      set.frames.map(async (frame, index): Promise<FrameFile> => {
        const path = join(folder, `${set.name}-${index}.rgba`);
        await writeFile(path, frame.pixels);
        return {
          url: `/${path}`,
          width: frame.width,
          height: frame.height,
          channels: frame.channels,
          ...(frame.micronsPerPixel !== undefined ? { micronsPerPixel: frame.micronsPerPixel } : {}),
          ...(frame.label !== undefined ? { label: frame.label } : {}),
        };
      }),
    ),
  });
  const manifest: PageInputs = {
    models: inputs.models.map((model) => ({ ...model, card: `/${model.card}` })),
    matmul: { ...inputs.matmul, onnx: `/${inputs.matmul.onnx}` },
    mosaic: await files(inputs.mosaic),
    bccd: await files(inputs.bccd),
  };
  await writeFile(PAGE_INPUTS_PATH, JSON.stringify(manifest, null, 2) + '\n');
}
