import { existsSync, readdirSync } from 'node:fs';

/** The shipped default model card (models/bm7-*.json): small, trained, the one users get. */
export function shippedModelCard(): string {
  const card = readdirSync('models').find((name) => /^bm7-.*\.json$/.test(name));
  if (!card || !existsSync(`models/${card}`)) throw new Error('no shipped model card models/bm7-*.json');
  return `models/${card}`;
}
