import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { platform } from '#platform';
import { SmearscopeError } from '../errors.js';
import { validateModelCard } from '../inference/model-card.js';
import type { ModelCard } from '../inference/model-card-types.js';

/** The folder of the shipped model cards (the default card's folder). */
export function shippedModelsDir(): string {
  return dirname(String(platform.defaultModelCard()));
}

export interface ShippedModel {
  card: ModelCard;
  /** Path of the card file. */
  path: string;
}

/** Every valid model card in the shipped models folder, sorted by id. Files that are not cards
 * (e.g. scheme files live in a subfolder) are skipped; an invalid card throws INVALID_MODEL_CARD. */
export async function listShippedModels(dir = shippedModelsDir()): Promise<ShippedModel[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const models: ShippedModel[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const json: unknown = JSON.parse(await readFile(path, 'utf8'));
    models.push({ card: validateModelCard(json, path), path });
  }
  return models.sort((a, b) => a.card.id.localeCompare(b.card.id));
}

/**
 * `--model` as users give it: a card path (anything ending in .json or containing a path separator)
 * is used as is; otherwise it is a shipped model's id, resolved to its card's path. Throws
 * INVALID_ARGUMENT listing the shipped ids when none matches.
 */
export async function resolveModelArgument(value: string): Promise<string> {
  if (value.endsWith('.json') || value.includes('/') || value.includes('\\')) return value;
  const models = await listShippedModels();
  const match = models.find((m) => m.card.id === value);
  if (!match) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `--model ${value}: no shipped model has this id; give a card path or one of: ${models.map((m) => m.card.id).join(', ')}`,
    );
  }
  return match.path;
}
