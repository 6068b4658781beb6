// The example card of README.md ("Bringing your own model") is what a vendor copies first: it must
// stay a valid card (validateModelCard, the scheme and its class codes included) as the card format
// and the schemes change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateModelCard } from '../../dist/node/index.js';

describe("README's example model card", () => {
  it('is valid, and an edit a vendor could make wrongly is caught', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Bringing your own model'));
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(json).toBeDefined();
    const card = JSON.parse(json!);
    expect(validateModelCard(card).id).toBe(card.id);
    expect(() => validateModelCard({ ...card, classes: [...card.classes, 'BLA'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_MODEL_CARD' }),
    );
  });
});
