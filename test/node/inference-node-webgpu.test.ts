import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { platform as basePlatform } from '#platform';
import { ortLoader } from '#platform-ort';
import { loadModel } from '../../src/inference/load-model.js';
import { openSession } from '../../src/inference/open-session.js';
import { shippedModelCard } from '../support/test-model.js';

// onnxruntime-node's WebGPU EP (Dawn) needs a Vulkan driver. Chromium's package ships SwiftShader's
// (a CPU implementation): correct, slow, enough to check that the path computes what native does.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = process.env.VK_ICD_FILENAMES ?? (existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : undefined);
if (icd) process.env.VK_ICD_FILENAMES = icd;

// ONNX Runtime loads only in the inference worker (#platform-ort); the test composes it the same way.
const platform = { ...basePlatform, ...ortLoader };

describe.skipIf(!icd)('webgpu in Node (onnxruntime-node WebGPU EP)', () => {
  it('gives the logits of the native CPU session on real-valued input', async () => {
    const model = await loadModel(platform, shippedModelCard());
    const { card } = model;
    const batchSize = 2;
    const floats = batchSize * 3 * card.input.width * card.input.height;
    const input = Float32Array.from({ length: floats }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const gpu = await openSession(platform, card, model.modelBytes, 'webgpu', batchSize);
    const cpu = await openSession(platform, card, model.modelBytes, 'native', batchSize);
    try {
      expect(gpu.session.notes.join(' ')).toMatch(/onnxruntime-node WebGPU EP/);
      const [onGpu, onCpu] = [await gpu.session.run(input), await cpu.session.run(input)];
      expect(onGpu.logits.length).toBe(batchSize * card.classes.length);
      let worst = 0;
      for (let i = 0; i < onCpu.logits.length; i++) worst = Math.max(worst, Math.abs(onGpu.logits[i] - onCpu.logits[i]));
      expect(worst).toBeLessThan(1e-3);
      // The two cells differ, so equal logits would mean the input was not read.
      expect(onGpu.logits[0]).not.toBe(onGpu.logits[card.classes.length]);
    } finally {
      await gpu.session.dispose();
      await cpu.session.dispose();
    }
  });
});
