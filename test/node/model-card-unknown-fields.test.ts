// Fields of a card that this version does not read are not errors (a card written for a later
// version still loads), but they are named: a vendor whose card says, e.g., input.colorOrder "BGR"
// must learn that the SDK does not apply it, not get quietly wrong classes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createScope } from '../../dist/node/index.js';
import { ignoredCardFieldsNote, unknownCardFields, validateModelCard } from '../../src/inference/model-card.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { BCCD_DIR } from '../support/frames.js';
import { tinyModel } from '../support/tiny-model.js';

/** A tiny model whose card carries fields no version reads, one a misspelling of a known one. */
function cardWithStrayFields(): { card: ModelCard; onnx: Uint8Array } {
  const model = tinyModel();
  const card = structuredClone(model.card) as ModelCard & Record<string, unknown>;
  (card.input as Record<string, unknown>).colorOrder = 'BGR';
  (card.thresholds as Record<string, unknown>).confidance = 0.9;
  card.trainingNotes = 'exported with torch 2.4';
  return { card, onnx: model.onnx };
}

describe('card fields this version does not read', () => {
  it('every shipped card has none', () => {
    const cards = readdirSync('models').filter((f) => f.endsWith('.json'));
    expect(cards.length).toBeGreaterThanOrEqual(5);
    for (const file of cards) {
      const card = validateModelCard(JSON.parse(readFileSync(join('models', file), 'utf8')), file);
      expect([file, unknownCardFields(card)]).toEqual([file, []]);
    }
  });

  it('are named with their path, a misspelling with the field it was probably meant to be; the card stays valid', () => {
    const { card } = cardWithStrayFields();
    expect(() => validateModelCard(card)).not.toThrow();
    expect(unknownCardFields(card)).toEqual([
      'trainingNotes',
      'input.colorOrder',
      'thresholds.confidance (did you mean thresholds.confidence?)',
    ]);
    expect(ignoredCardFieldsNote(card)).toMatch(
      /^model card "tiny": fields trainingNotes, input\.colorOrder, thresholds\.confidance .* are not read by this version of smearscope and ignored$/,
    );
    // Free-form documentation is not checked field by field.
    const documented = structuredClone(tinyModel().card);
    (documented.provenance as Record<string, unknown>).exportedBy = 'acme';
    expect(unknownCardFields(documented)).toEqual([]);
  });

  it("reach the scope's notes and the CLI's log", async () => {
    const model = cardWithStrayFields();
    const scope = await createScope({ model, backend: 'wasm', workers: 1, batchSize: 2 });
    try {
      expect(scope.notes[0]).toMatch(/fields trainingNotes, input\.colorOrder, thresholds\.confidance/);
    } finally {
      await scope.dispose();
    }
    const clean = await createScope({ model: tinyModel(), backend: 'wasm', workers: 1, batchSize: 2 });
    expect(clean.notes.some((note) => /not read by this version/.test(note))).toBe(false);
    await clean.dispose();

    const folder = mkdtempSync(join(tmpdir(), 'smearscope-card-fields-'));
    writeFileSync(join(folder, 'tiny.onnx'), model.onnx);
    writeFileSync(join(folder, 'tiny.json'), JSON.stringify({ ...model.card, model: 'tiny.onnx' }));
    const frame = join(BCCD_DIR, readdirSync(BCCD_DIR).filter((f) => f.endsWith('.jpg'))[0]);
    const { stderr } = await promisify(execFile)('node', [
      'bin/smearscope.js',
      'analyze',
      frame,
      '--model',
      join(folder, 'tiny.json'),
      '--backend',
      'wasm',
      '--out',
      join(folder, 'report.json'),
      '--quiet',
    ]);
    expect(stderr).toMatch(/smearscope: model card "tiny": fields trainingNotes, input\.colorOrder/);
  }, 120_000);
});
