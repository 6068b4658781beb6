import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createScope } from '../../dist/node/index.js';
import { SmearscopeError } from '../../src/errors.js';
import { checkGraphAgainstCard } from '../../src/inference/check-graph.js';
import { loadModel } from '../../src/inference/load-model.js';
import { validateModelCard } from '../../src/inference/model-card.js';
import { platform } from '../../src/platform/node.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { shippedModelCard } from '../support/test-model.js';
import { tinyModel } from '../support/tiny-model.js';

const shipped = () => JSON.parse(readFileSync(shippedModelCard(), 'utf8')) as Record<string, any>;

/** The INVALID_MODEL_CARD error of `card` (fails the test on any other outcome, TypeError included). */
function problemsOf(card: unknown): string {
  try {
    validateModelCard(card, 'card.json');
  } catch (error) {
    expect(error).toBeInstanceOf(SmearscopeError);
    expect((error as SmearscopeError).code).toBe('INVALID_MODEL_CARD');
    return (error as Error).message;
  }
  throw new Error('the card was accepted');
}

describe('model card validation', () => {
  it('accepts the shipped card', () => {
    expect(validateModelCard(shipped()).id).toMatch(/^bm7-/);
  });

  it('turns null and mistyped fields into INVALID_MODEL_CARD, never a TypeError', () => {
    const nulls: Array<[string, (card: Record<string, any>) => void, RegExp]> = [
      ['thresholds: null', (c) => (c.thresholds = null), /thresholds must be an object/],
      ['classifier: null', (c) => (c.outputs.classifier = null), /outputs\.classifier must be an object/],
      ['groups.blast: 5', (c) => (c.groups = { blast: 5 }), /groups\.blast must be an array of class codes, got 5/],
      ['groups: null', (c) => (c.groups = null), /groups must be an object/],
      ['input: null', (c) => (c.input = null), /input must be an object/],
      ['outputs: null', (c) => (c.outputs = null), /outputs must be an object/],
      ['provenance: null', (c) => (c.provenance = null), /provenance must be an object/],
      ['stainReference: null', (c) => (c.stainReference = null), /stainReference must be an object/],
      ['stainReference.stainMatrix: null', (c) => (c.stainReference.stainMatrix = null), /stainReference\.stainMatrix must be 2 rows/],
      ['classifier.weights: [null]', (c) => (c.outputs.classifier.weights = [null]), /outputs\.classifier\.weights must be/],
      ['classes: null', (c) => (c.classes = null), /classes must list/],
    ];
    for (const [name, mutate, expected] of nulls) {
      const card = shipped();
      mutate(card);
      expect(problemsOf(card), name).toMatch(expected);
    }
    for (const value of [null, 5, 'card', []]) expect(problemsOf(value)).toMatch(/expected a JSON object/);
  });

  it('checks groups against the classes, ranges, and the stain reference shape; names every problem at once', () => {
    const card = shipped();
    card.groups = { blast: [card.classes[0], 'XYZ'], atypical: [], cancer: [card.classes[0]] };
    card.thresholds = { confidence: 1.5 };
    card.input.patchMicrons = 0.5;
    card.input.width = 100_000;
    card.input.std = [0.2, 0, 0.2];
    card.stainReference = { stainMatrix: [card.stainReference.stainMatrix[0], [2, 0, 0]], maxC: [1.5] };
    const message = problemsOf(card);
    const expected = [
      /groups\.blast names "XYZ", which is not among classes/,
      /groups\.cancer is not a group/,
      /thresholds\.confidence must be a number in \[0, 1\], got 1\.5/,
      /input\.patchMicrons must be a number in \[5, 200\], got 0\.5/,
      /input\.width must be an integer in \[8, 2048\], got 100000/,
      /input\.std must be 3 finite numbers in \(0, 1\]/,
      /stainReference\.stainMatrix\[1\] must be 3 finite numbers/,
      /stainReference\.maxC must be 2 finite numbers/,
    ];
    for (const pattern of expected) expect(message).toMatch(pattern);
    expect(message.split('\n  - ')).toHaveLength(expected.length + 1);
    // A stain vector of the right shape but not a unit direction.
    const scaled = shipped();
    scaled.stainReference.stainMatrix[0] = scaled.stainReference.stainMatrix[0].map((v: number) => v / 2);
    expect(problemsOf(scaled)).toMatch(/stainReference\.stainMatrix\[0\] must be a unit vector/);
    const huge = shipped();
    huge.input.patchMicrons = 5000;
    expect(problemsOf(huge)).toMatch(/patchMicrons must be a number in \[5, 200\], got 5000/);
  });

  it('refuses what createScope refuses of the scheme: an unknown scheme, a class code not in it', () => {
    const unknown = shipped();
    unknown.scheme = 'acme-7';
    expect(problemsOf(unknown)).toMatch(/unknown class scheme "acme-7"; known schemes: .*peripheral-blood-pbc-8/);
    const foreign = shipped();
    foreign.scheme = 'peripheral-blood-pbc-8';
    expect(foreign.classes[0]).toBe('BLA');
    expect(problemsOf(foreign)).toMatch(/class code BLA \(output 0\) is not in scheme peripheral-blood-pbc-8/);
    // Listed with the card's other problems, not instead of them.
    foreign.thresholds = { confidence: 2 };
    expect(problemsOf(foreign).split('\n  - ')).toHaveLength(3);
  });
});

describe('loading a card', () => {
  /** A folder with a copy of the shipped card whose fields are changed by `edit`. */
  function cardFolder(edit: (card: Record<string, any>) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-card-'));
    const card = shipped();
    copyFileSync(resolve('models', card.model), join(dir, card.model));
    edit(card);
    writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
    return join(dir, 'card.json');
  }

  it('reads the ONNX file beside the card, and refuses one outside its folder or the package models/', async () => {
    const loaded = await loadModel(
      platform,
      cardFolder(() => undefined),
    );
    expect(loaded.modelBytes.length).toBeGreaterThan(1000);
    for (const model of ['../../etc/passwd', '/etc/passwd', '/dev/zero', '../card.json']) {
      const error = await loadModel(
        platform,
        cardFolder((card) => (card.model = model)),
      ).catch((e: unknown) => e);
      expect(error, model).toMatchObject({
        code: 'INVALID_MODEL_CARD',
        message: expect.stringMatching(/must name a file in the card's folder/),
      });
    }
    // The package's models/ may be named from elsewhere (a vendor card using a shipped graph).
    const shippedOnnx = resolve('models', shipped().model);
    expect(
      (
        await loadModel(
          platform,
          cardFolder((card) => (card.model = shippedOnnx)),
        )
      ).modelBytes.length,
    ).toBe(loaded.modelBytes.length);
  });

  it('a scope that runs no model (locateOnly) reads the card alone: its graph is neither read nor needed', async () => {
    const card = cardFolder((card) => (card.model = 'not-shipped-with-this-card.onnx'));
    await expect(loadModel(platform, card)).rejects.toMatchObject({ code: 'IO_FAILED' });
    const loaded = await loadModel(platform, card, { graph: false });
    expect(loaded.card.id).toBe(shipped().id);
    expect(loaded.modelBytes.length).toBe(0);
    // Through createScope (a browser would have downloaded and cached the graph for nothing).
    const scope = await createScope({ model: card, locateOnly: true, workers: 1 });
    try {
      expect(scope.backend).toBe('none');
    } finally {
      await scope.dispose();
    }
  }, 60_000);

  it('checks size and kind before reading: /dev/zero and an over-limit graph are refused', async () => {
    await expect(platform.readBytes('/dev/zero', { maxBytes: 2 ** 20 })).rejects.toMatchObject({
      code: 'IO_FAILED',
      message: expect.stringMatching(/not a regular file/),
    });
    await expect(loadModel(platform, '/dev/zero')).rejects.toMatchObject({ code: 'IO_FAILED' });
    const card = cardFolder(() => undefined);
    await expect(loadModel(platform, card, { maxModelBytes: 1000 })).rejects.toMatchObject({
      code: 'IO_FAILED',
      message: expect.stringMatching(/over the limit of/),
    });
  });
});

describe('a card against its graph', () => {
  /** 'ok', or the message of the MODEL_MISMATCH that checkGraphAgainstCard throws (anything else fails the test). */
  async function graphVerdict({ card, onnx }: { card: ModelCard; onnx: Uint8Array }): Promise<string> {
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
    try {
      checkGraphAgainstCard(session, card);
      return 'ok';
    } catch (error) {
      expect(error).toMatchObject({ code: 'MODEL_MISMATCH' });
      return (error as Error).message;
    } finally {
      await session.release();
    }
  }

  it('accepts the tiny model with its own card, dynamic or fixed batch', async () => {
    expect(await graphVerdict(tinyModel())).toBe('ok');
    expect(await graphVerdict(tinyModel({ batch: 8 }))).toBe('ok');
  });

  it("refuses a card whose batch is not the graph's fixed one, saying what the card must say", async () => {
    for (const batch of [null, undefined, 4]) {
      const model = tinyModel({ batch: 8 });
      model.card.input.batch = batch as number | null;
      expect(await graphVerdict(model), String(batch)).toMatch(/the graph's batch is fixed at 8 .*set input\.batch: 8 in the card/);
    }
    // A dynamic graph runs any batch: a card fixing one is not a mismatch.
    const dynamic = tinyModel();
    dynamic.card.input.batch = 8;
    expect(await graphVerdict(dynamic)).toBe('ok');
  });

  it('refuses a float16 input or logits output, pointing to the fp16 variant of the card', async () => {
    for (const options of [{ inputType: 'float16' }, { logitsType: 'float16' }] as const) {
      const [what] = Object.keys(options);
      const name = what === 'inputType' ? 'input "image"' : 'output "logits"';
      expect(await graphVerdict(tinyModel(options)), what).toMatch(
        new RegExp(`${name} is float16 in the graph, expected float32: .*"fp16\\.model"`),
      );
    }
  });

  it("refuses CAM weights whose width is not the feature map's channel count", async () => {
    const model = tinyModel({ featureChannels: 32 });
    const classifier = model.card.outputs.classifier!;
    classifier.weights = classifier.weights.map((row) => row.slice(0, 16));
    expect(await graphVerdict(model)).toMatch(
      /classifier\.weights have 16 entries per class but the feature map "feature_map" has 32 channels/,
    );
  });
});
