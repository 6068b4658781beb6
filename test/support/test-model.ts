import { existsSync } from 'node:fs';
import { DEFAULT_MODEL_CARD } from '../../src/inference/default-model.js';

/** The shipped default model card (models/<DEFAULT_MODEL_CARD>): small, trained, the one users get. */
export function shippedModelCard(): string {
  const card = `models/${DEFAULT_MODEL_CARD}`;
  if (!existsSync(card)) throw new Error(`no shipped default model card ${card}`);
  return card;
}
