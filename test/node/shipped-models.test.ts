import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import { defaultModelId, isModelId, models, shippedModel } from '../../src/inference/shipped-models.js';

const run = promisify(execFile);

describe('shipped models by id', () => {
  it('lists every card in models/ (whatever cards are there), the default first', () => {
    const cards = readdirSync('models')
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(`models/${name}`, 'utf8')));
    expect(models.map((m) => m.id).sort()).toEqual(
      cards
        .filter((c) => c.id && c.model)
        .map((c) => c.id)
        .sort(),
    );
    expect(models[0].id).toBe(defaultModelId());
    for (const model of models) expect(readdirSync('models')).toContain(model.onnx);
  });

  it('tells ids from paths and URLs, and names the shipped ids for an unknown one', () => {
    expect(isModelId('bm7-resnet10s')).toBe(true);
    for (const path of ['models/bm7-resnet10s.json', 'bm7-resnet10s.json', './card', 'https://x/y.json', '/abs/card.json'])
      expect(isModelId(path)).toBe(false);
    expect(() => shippedModel('nope')).toThrow(SmearscopeError);
    expect(() => shippedModel('nope')).toThrow(/no shipped model "nope"; shipped: .*bm7-resnet10s/);
  });

  it('the CLI takes --model <id>', async () => {
    const failed = await run('node', [
      'bin/smearscope.js',
      'analyze',
      '../shared/data/bccd/JPEGImages/BloodImage_00000.jpg',
      '--model',
      'nope',
    ]).catch((e) => e);
    expect(failed.stderr).toMatch(/error \[INVALID_ARGUMENT\]: no shipped model "nope"; shipped: .*bm7-resnet10s/);
  });
});
