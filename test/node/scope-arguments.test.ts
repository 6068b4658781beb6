import { describe, expect, it } from 'vitest';
import { createScope } from '../../dist/node/index.js';
import { shippedModelCard } from '../support/test-model.js';

describe('createScope checks its options before any work', () => {
  it('refuses an unknown backend with a typed error listing the valid ones (never runs another backend under that name)', async () => {
    for (const backend of ['cuda', 'WASM', '', 42, null]) {
      await expect(createScope({ model: shippedModelCard(), backend: backend as never })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^backend must be one of auto, webgpu, wasm, native, got /),
      });
    }
  });

  it('names the option of every other bad value', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ batchSize: 0 }, /batchSize must be an integer from 1 to 1024, got 0/],
      [{ workers: 1.5 }, /workers must be an integer/],
      [{ numThreads: -1 }, /numThreads/],
      [{ border: 'wrap' }, /border must be one of reflect, constant, skip/],
      [{ locateOnly: 'yes' }, /locateOnly must be true or false/],
      [{ cellMicrons: Number.NaN }, /cellMicrons must be a positive number/],
    ];
    for (const [options, message] of bad) {
      await expect(createScope({ model: shippedModelCard(), ...options })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
    await expect(createScope(null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createScope({ model: null as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
