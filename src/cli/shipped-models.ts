import { readFile } from 'node:fs/promises';
import { platform } from '#platform';
import { validateModelCard } from '../inference/model-card.js';
import type { ModelCard } from '../inference/model-card-types.js';
import { defaultModelId, models } from '../inference/shipped-models.js';

export interface ShippedModelCard {
  card: ModelCard;
  /** Path of the card file. */
  path: string;
  /** Whether this is the model used when none is named. */
  isDefault: boolean;
}

/**
 * The full cards of the library's `models` list (the one list of shipped models; `--model <id>` is
 * resolved by loadModel from the same list), sorted by id. An invalid card throws INVALID_MODEL_CARD.
 */
export async function listShippedModels(): Promise<ShippedModelCard[]> {
  const defaultId = defaultModelId();
  const cards: ShippedModelCard[] = [];
  for (const model of models) {
    const path = String(platform.shippedModelFiles(model).card);
    cards.push({ card: validateModelCard(JSON.parse(await readFile(path, 'utf8')), path), path, isDefault: model.id === defaultId });
  }
  return cards.sort((a, b) => a.card.id.localeCompare(b.card.id));
}
