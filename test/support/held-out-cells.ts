import { readFileSync } from 'node:fs';

/** A cell image of a card's held-out split: its path from the repository root and its folder. */
export interface HeldOutCell {
  path: string;
  folder: string;
}

/**
 * `count` cells spread evenly over the held-out list of a shipped card (provenance.heldOutEval, else
 * the bone-marrow split of the first model), so every class is drawn; with the crops' scale when
 * the card gives one (eval's --microns-per-pixel).
 */
export function heldOutSample(cardPath: string, count: number): { cells: HeldOutCell[]; micronsPerPixel?: number } {
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  const spec = card.provenance.heldOutEval ?? { data: '../shared/data/bm-matek-7', list: 'models/train/holdout.txt' };
  const lines = readFileSync(spec.list, 'utf8')
    .split('\n')
    .map((line: string) => line.trim())
    .filter(Boolean);
  const step = lines.length / count;
  const cells = Array.from({ length: Math.min(count, lines.length) }, (_, i) => {
    const line = lines[Math.floor(i * step)];
    return { path: `${spec.data}/${line}`, folder: line.split('/')[0] };
  });
  return { cells, ...(spec.micronsPerPixel ? { micronsPerPixel: spec.micronsPerPixel } : {}) };
}
