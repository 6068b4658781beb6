import { SmearscopeError } from '../errors.js';
import type { InferenceHost } from './host.js';
import { validateModelCard } from './model-card.js';
import type { ModelCard } from './model-card-types.js';

/** A model as users hand it over: a card location (path or URL), or the card and graph in memory. */
export type ModelSource = string | URL | { card: ModelCard; onnx: Uint8Array };

export interface LoadedModel {
  card: ModelCard;
  modelBytes: Uint8Array;
  /** Where the card came from, for reports. */
  location: string;
}

/** Reads and validates a card, then reads the ONNX file it names (relative to the card). */
export async function loadModel(platform: InferenceHost, source: ModelSource): Promise<LoadedModel> {
  if (typeof source === 'object' && !(source instanceof URL)) {
    if (!(source.onnx instanceof Uint8Array)) {
      throw new SmearscopeError('INVALID_ARGUMENT', 'model.onnx must be the ONNX file as a Uint8Array');
    }
    return { card: validateModelCard(source.card, `model card "${source.card?.id}"`), modelBytes: source.onnx, location: 'memory' };
  }
  const location = String(source);
  const bytes = await platform.readBytes(source);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${location} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const card = validateModelCard(json, location);
  const modelBytes = await platform.readBytes(platform.resolveRelative(card.model, source));
  return { card, modelBytes, location };
}
