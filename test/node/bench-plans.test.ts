// Which models the pipeline suite runs: the HematoNet architectures are marked for the models
// suite only, so `npm run bench -- all` keeps its time while ResNeXt-50 keeps its pipeline plan.
import { describe, expect, it } from 'vitest';
import type { BenchInputs, BenchModel } from '../../bench/inputs.js';
import { pipelinePlans } from '../../bench/plans.js';
import { DEFAULT_SETTINGS } from '../../bench/settings.js';

const frames = (name: 'mosaic' | 'bccd') => ({ name, description: name, frames: [] });

describe('pipeline plans', () => {
  it('leave out the models marked pipeline: false and keep every other large model', () => {
    const models: BenchModel[] = [
      { id: 'small-cnn', card: 'small-cnn.json', role: 'small' },
      { id: 'resnext50-32x4d', card: 'resnext.json', role: 'large' },
      { id: 'coatnet-0', card: 'coatnet.json', role: 'large', pipeline: false },
      { id: 'efficientnetv2-s', card: 'effnet.json', role: 'large', pipeline: false },
    ];
    const inputs: BenchInputs = {
      models,
      matmul: { id: 'matmul-1024', onnx: 'm.onnx', sizes: { rows: 1, inner: 1, columns: 1 }, flopsPerRun: 2 },
      mosaic: frames('mosaic'),
      bccd: frames('bccd'),
    };
    expect(pipelinePlans(inputs, DEFAULT_SETTINGS).map((plan) => plan.model.id)).toEqual(['small-cnn', 'resnext50-32x4d']);
    expect(pipelinePlans(inputs, DEFAULT_SETTINGS).every((plan) => plan.sessions === undefined)).toBe(true);
  });

  it('--sessions repeats the small model’s mosaic plan per count of inference sessions, and only that plan', () => {
    const models: BenchModel[] = [
      { id: 'bm7-resnet10s', card: 'bm7.json', role: 'shipped' },
      { id: 'resnext50-32x4d', card: 'resnext.json', role: 'large' },
    ];
    const inputs: BenchInputs = {
      models,
      matmul: { id: 'matmul-1024', onnx: 'm.onnx', sizes: { rows: 1, inner: 1, columns: 1 }, flopsPerRun: 2 },
      mosaic: { name: 'mosaic', description: 'mosaic', frames: [] },
      bccd: { name: 'bccd', description: 'bccd', frames: [{ width: 1, height: 1, channels: 4, pixels: new Uint8Array(4) }] },
    };
    const plans = pipelinePlans(inputs, { ...DEFAULT_SETTINGS, sessions: [1, 2] });
    expect(plans.map((plan) => [plan.model.id, plan.frames.name, plan.sessions])).toEqual([
      ['bm7-resnet10s', 'mosaic', 1],
      ['bm7-resnet10s', 'mosaic', 2],
      ['bm7-resnet10s', 'bccd', undefined],
      ['resnext50-32x4d', 'mosaic', undefined],
    ]);
  });
});
