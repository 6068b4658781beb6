// Which models the pipeline suite runs: the HematoNet architectures are marked for the models
// suite only, so `npm run bench -- all` keeps its time while ResNeXt-50 keeps its pipeline plan.
import { describe, expect, it } from 'vitest';
import { type BenchInputs, type BenchModel, selectModels } from '../../bench/inputs.js';
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

  it('run the marrow models on the (marrow) mosaics and a peripheral-blood model on the BCCD frames', () => {
    const oneFrame = [{ width: 1, height: 1, channels: 4 as const, pixels: new Uint8Array(4) }];
    const models: BenchModel[] = [
      { id: 'bm7-resnet10s', card: 'bm7.json', role: 'shipped', scheme: 'bone-marrow-21' },
      { id: 'pb8-resnet10gc', card: 'pb8.json', role: 'shipped', scheme: 'peripheral-blood-pbc-8' },
    ];
    const inputs = (chosen: BenchModel[]): BenchInputs => ({
      models: chosen,
      matmul: { id: 'matmul-1024', onnx: 'm.onnx', sizes: { rows: 1, inner: 1, columns: 1 }, flopsPerRun: 2 },
      mosaic: { name: 'mosaic', description: 'mosaic', frames: oneFrame },
      bccd: { name: 'bccd', description: 'bccd', frames: oneFrame },
    });
    const plan = (chosen: BenchModel[]) => pipelinePlans(inputs(chosen), DEFAULT_SETTINGS).map((p) => [p.model.id, p.frames.name]);
    expect(plan(models)).toEqual([
      ['bm7-resnet10s', 'mosaic'],
      ['pb8-resnet10gc', 'bccd'],
    ]);
    // Only a blood model named: it takes both plans (the mosaic plan times the preprocessing).
    expect(plan(models.slice(1))).toEqual([
      ['pb8-resnet10gc', 'mosaic'],
      ['pb8-resnet10gc', 'bccd'],
    ]);
  });

  it('measure the models --model names, else those not marked byDefault: false', () => {
    const models: BenchModel[] = [
      { id: 'bm7-resnet10s', card: 'a.json', role: 'shipped', byDefault: true },
      { id: 'bm7-resnet10g', card: 'b.json', role: 'shipped', byDefault: false },
      { id: 'small-cnn', card: 'c.json', role: 'small' },
    ];
    expect(selectModels(models, undefined).map((m) => m.id)).toEqual(['bm7-resnet10s', 'small-cnn']);
    expect(selectModels(models, ['bm7-resnet10g']).map((m) => m.id)).toEqual(['bm7-resnet10g']);
  });

  it('--pixels gives a mosaic plan per pixel format, the RGB8 one with the same frames without alpha', () => {
    const frame = { width: 2, height: 1, channels: 4 as const, pixels: Uint8Array.of(1, 2, 3, 255, 4, 5, 6, 255) };
    const inputs: BenchInputs = {
      models: [{ id: 'bm7-resnet10s', card: 'bm7.json', role: 'shipped', scheme: 'bone-marrow-21' }],
      matmul: { id: 'matmul-1024', onnx: 'm.onnx', sizes: { rows: 1, inner: 1, columns: 1 }, flopsPerRun: 2 },
      mosaic: { name: 'mosaic', description: 'mosaic 2x1', frames: [frame] },
      bccd: { name: 'bccd', description: 'bccd', frames: [] },
    };
    const plans = pipelinePlans(inputs, { ...DEFAULT_SETTINGS, pixels: ['rgba8', 'rgb8'] });
    expect(plans.map((plan) => plan.frames.description)).toEqual(['mosaic 2x1', 'mosaic 2x1 RGB8']);
    expect(plans[0].frames.frames[0]).toBe(frame);
    expect(plans[1].frames.frames[0]).toMatchObject({ channels: 3, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  });
});
