import type { ModelCard } from '../../src/inference/model-card-types.js';

/** A minimal valid model card for the clinical tests: only scheme, classes and the given fields matter. */
export function testCard(scheme: string, classes: string[], extra: Partial<ModelCard> = {}): ModelCard {
  return {
    id: 'test-card',
    version: '0.0.0',
    scheme,
    model: 'none.onnx',
    input: { name: 'input', width: 64, height: 64, layout: 'NCHW', mean: [0, 0, 0], std: [1, 1, 1], patchMicrons: 20, batch: null },
    classes,
    outputs: { logits: 'logits' },
    provenance: { trained: false },
    ...extra,
  };
}

/** The seven classes of ../shared/data/bm-matek-7, in folder (alphabetical) order. */
export const BM7 = ['BLA', 'EOS', 'LYT', 'MON', 'NGS', 'NIF', 'PMO'];
