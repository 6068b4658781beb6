// When auto finds no backend that runs the model, the error lists what each one said, once each,
// and what to try in API terms (the library is not always called from the CLI).
import { describe, expect, it } from 'vitest';
import { platform as basePlatform } from '#platform';
import { SmearscopeError } from '../../src/errors.js';
import { openSession } from '../../src/inference/open-session.js';
import { tinyModel } from '../support/tiny-model.js';

describe('auto with no backend that runs the model', () => {
  it("names each backend's failure once and what to try", async () => {
    const platform = {
      ...basePlatform,
      candidateBackends: () => ['webgpu', 'wasm'] as const as never,
      autoSkipReason: async () => undefined,
      webgpuShaderF16: async () => false,
      loadOrt: async (backend: string) => {
        // The browser's WebGPU loader names its backend in its own message; the wasm one does not.
        throw backend === 'webgpu'
          ? new SmearscopeError('BACKEND_UNAVAILABLE', 'webgpu: no GPU adapter available')
          : new Error('the runtime could not be fetched');
      },
    };
    const { card, onnx } = tinyModel();
    const failure = await openSession(platform, card, onnx, 'auto', 2).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect((failure as Error).message).toBe(
      `no backend could run model "${card.id}" (webgpu: no GPU adapter available; wasm: the runtime could not be fetched); ` +
        "try backend 'wasm' (CLI: --backend wasm)",
    );
  });
});
