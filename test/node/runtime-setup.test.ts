// Which failure of ONNX Runtime's session creation is whose: "no available backend found" is its
// runtime not starting (the graph was never read), anything else is the graph refused. A runtime
// that did not start must never read as MODEL_MISMATCH ("check your model"); the browser loader
// explains it further (test/browser/runtime-setup.test.ts).
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { OrtModule } from '../../src/inference/backend.js';
import { resolveBatchSize } from '../../src/inference/batch-size.js';
import { validateModelCard } from '../../src/inference/model-card.js';
import { createOrtSession } from '../../src/inference/ort-session.js';
import { shippedModelCard } from '../support/test-model.js';

const card = validateModelCard(JSON.parse(readFileSync(shippedModelCard(), 'utf8')));
const ORT_WORDS = 'no available backend found. ERR: [wasm] TypeError: Failed to fetch dynamically imported module: https://kiosk/ort/x.mjs';

/** onnxruntime-node whose session creation fails as onnxruntime-web's does when its runtime cannot start. */
function runtimeThatCannotStart(explain?: OrtModule['explainSetupFailure']): OrtModule {
  const create = async () => {
    throw new Error(ORT_WORDS);
  };
  const ort = { ...(ortNode as unknown as OrtModule), InferenceSession: { create } as unknown as OrtModule['InferenceSession'] };
  return explain ? { ...ort, explainSetupFailure: explain } : ort;
}

const open = (ort: OrtModule, bytes = new Uint8Array(8)) =>
  createOrtSession(ort, bytes, card, { backend: 'native', batchSize: resolveBatchSize(undefined, card) });

describe('ONNX Runtime session failures', () => {
  it('a graph ONNX Runtime refuses is MODEL_MISMATCH', async () => {
    await expect(open(ortNode as unknown as OrtModule, new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
  });

  it('a runtime that did not start is BACKEND_UNAVAILABLE with its words, or what its loader says', async () => {
    await expect(open(runtimeThatCannotStart())).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringContaining(ORT_WORDS),
    });
    const missing = new SmearscopeError('IO_FAILED', 'cannot fetch https://kiosk/ort/x.mjs');
    await expect(open(runtimeThatCannotStart(async () => missing))).rejects.toBe(missing);
    // A loader that cannot tell leaves ORT's words.
    await expect(open(runtimeThatCannotStart(async () => undefined))).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
