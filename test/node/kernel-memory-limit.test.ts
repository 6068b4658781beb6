import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src/kernels/load.js';
import { preprocessFrame } from '../../src/pipeline/preprocess-frame.js';
import { bccdFrames } from '../support/frames.js';

describe('kernel memory limit', () => {
  it('refuses a frame it cannot hold with FRAME_TOO_LARGE before growing memory, and stays usable', async () => {
    // A small limit stands in for the 2 GiB the kernels can address (a 20000 x 20000 frame).
    const kernels = await instantiateKernels({ maxBytes: 48 * 2 ** 20 });
    const before = kernels.memory.memory.buffer.byteLength;
    const width = 4000;
    const height = 4000;
    const huge = { width, height, channels: 4 as const, pixels: new Uint8Array(width * height * 4) };
    const job = {
      patchMicrons: 21.5,
      input: {
        width: 96,
        height: 96,
        mean: [0.5, 0.5, 0.5] as [number, number, number],
        std: [0.25, 0.25, 0.25] as [number, number, number],
      },
      locateOnly: false,
      border: 'reflect' as const,
      stainFitStride: 4,
      micronsPerPixel: 0.075,
    };
    expect(() => preprocessFrame(kernels, huge, job)).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE', message: expect.stringMatching(/would need \d+ MiB of their 48 MiB/) }),
    );
    expect(kernels.memory.memory.buffer.byteLength).toBe(before);
    // The same instance then prepares a normal frame.
    const [frame] = await bccdFrames(1);
    expect(preprocessFrame(kernels, frame, job).cells.length).toBeGreaterThan(0);
  });
});
