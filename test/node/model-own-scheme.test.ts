// A vendor whose classes no shipped scheme has gives the card a scheme of its own
// (schemeDefinition, the format of models/schemes/*.json): the scope, the slide and the card
// validator use it as they use a shipped one, and refuse it where a shipped one would be refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScope, createSlide, validateModelCard, type ModelCard } from '../../dist/node/index.js';
import { BCCD_DIR } from '../support/frames.js';
import { tinyModel } from '../support/tiny-model.js';

const CODES = ['SEG', 'BND', 'LYM', 'MNC', 'EOS', 'BAS', 'ART'];
const ownScheme = {
  id: 'acme-wbc-7',
  name: 'ACME screening classes',
  citation: 'ACME scanner documentation, 2026',
  classes: CODES.map((code) => ({
    code,
    name: `class ${code}`,
    lineage: (code === 'ART' ? 'none' : code === 'LYM' ? 'lymphoid' : 'granulocytic') as 'none' | 'lymphoid' | 'granulocytic',
    counted: code !== 'ART',
  })),
  groups: { blast: [], atypical: ['BND'], abstain: ['ART'], notCounted: ['ART'] },
  tolerance: [['SEG', 'BND'] as [string, string]],
};

function cardWithOwnScheme(): { card: ModelCard; onnx: Uint8Array } {
  const { card, onnx } = tinyModel(); // 7 outputs, as CODES
  return { card: { ...card, scheme: ownScheme.id, schemeDefinition: ownScheme, classes: CODES } as ModelCard, onnx };
}

describe('a model card with a class scheme of its own', () => {
  it('runs: decisions and the differential are in its classes', async () => {
    const scope = await createScope({ model: cardWithOwnScheme(), backend: 'wasm', workers: 1 });
    try {
      expect(scope.scheme.schemeId).toBe('acme-wbc-7');
      expect(scope.scheme.classes.map((c) => c.code)).toEqual(CODES);
      const image = new Uint8Array(readFileSync(`${BCCD_DIR}/BloodImage_00000.jpg`));
      const result = await scope.analyzeFrame({ encoded: image, micronsPerPixel: 0.075 });
      expect(result.error).toBeUndefined();
      expect(result.cells.length).toBeGreaterThan(0);
      for (const cell of result.cells) expect(CODES).toContain(cell.decision!.class);
      const slide = createSlide({ scheme: scope.scheme });
      slide.addFrame(result);
      const report = slide.report();
      expect(report.differential.map((row) => row.code).sort()).toEqual(CODES.filter((c) => c !== 'ART').sort());
    } finally {
      await scope.dispose();
    }
  }, 120_000);

  it('is refused where it is inconsistent, with INVALID_MODEL_CARD saying what', () => {
    const { card } = cardWithOwnScheme();
    expect(validateModelCard(card).scheme).toBe('acme-wbc-7');
    const refused = (edit: Record<string, unknown>, message: RegExp) =>
      expect(() => validateModelCard({ ...card, ...edit })).toThrow(
        expect.objectContaining({ code: 'INVALID_MODEL_CARD', message: expect.stringMatching(message) }),
      );
    refused({ scheme: 'acme-other' }, /schemeDefinition\.id is "acme-wbc-7" but scheme is "acme-other"/);
    refused(
      { scheme: 'bone-marrow-21', schemeDefinition: { ...ownScheme, id: 'bone-marrow-21' } },
      /reuses the shipped scheme id "bone-marrow-21"/,
    );
    refused({ classes: [...CODES.slice(0, 6), 'BLA'] }, /class code BLA \(output 6\) is not in scheme acme-wbc-7/);
    refused(
      { schemeDefinition: { ...ownScheme, classes: [{ ...ownScheme.classes[0], lineage: 'martian' }, ...ownScheme.classes.slice(1)] } },
      /lineage martian/,
    );
    // Without a definition, an unknown scheme still says how to give one.
    const { schemeDefinition: _, ...withoutDefinition } = card;
    expect(() => validateModelCard(withoutDefinition)).toThrow(/unknown class scheme "acme-wbc-7".*schemeDefinition/);
  });
});
