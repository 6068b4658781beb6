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

/** Largest ONNX file read by default, bytes (a CoAtNet or ResNet-50 classifier is 100-300 MB). */
export const DEFAULT_MAX_MODEL_BYTES = 1024 * 2 ** 20;
/** Largest card read: JSON with classifier weights is a few MB. */
const MAX_CARD_BYTES = 64 * 2 ** 20;

/**
 * Reads and validates a card, then reads the ONNX file it names (relative to the card). The file
 * must lie in the card's folder or the package's models/ folder (a card cannot make us read
 * /etc/passwd), be a regular file, and be at most `maxModelBytes` (checked before reading).
 */
export async function loadModel(
  platform: InferenceHost,
  source: ModelSource,
  maxModelBytes = DEFAULT_MAX_MODEL_BYTES,
): Promise<LoadedModel> {
  if (!(Number.isFinite(maxModelBytes) && maxModelBytes > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `maxModelBytes must be a positive number of bytes, got ${maxModelBytes}`);
  }
  if (typeof source === 'object' && source !== null && !(source instanceof URL)) {
    if (!(source.onnx instanceof Uint8Array)) {
      throw new SmearscopeError('INVALID_ARGUMENT', 'model.onnx must be the ONNX file as a Uint8Array');
    }
    return { card: validateModelCard(source.card, `model card "${source.card?.id}"`), modelBytes: source.onnx, location: 'memory' };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `model must be a card path or URL, or { card, onnx }, got ${source === null ? 'null' : typeof source}`,
    );
  }
  const location = String(source);
  const bytes = await platform.readBytes(source, MAX_CARD_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${location} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const card = validateModelCard(json, location);
  const onnx = platform.resolveRelative(card.model, source);
  const folders = [platform.resolveRelative('.', source), platform.resolveRelative('.', platform.defaultModelCard())];
  if (!folders.some((folder) => isInside(onnx, folder))) {
    throw new SmearscopeError(
      'INVALID_MODEL_CARD',
      `${location}: "model" (${card.model}) must name a file in the card's folder or in the package's models/`,
    );
  }
  const modelBytes = await platform.readBytes(onnx, maxModelBytes);
  return { card, modelBytes, location };
}

/** Whether a resolved (normalized) path or URL lies under `folder`. */
function isInside(location: string | URL, folder: string | URL): boolean {
  const base = String(folder).replace(/[\\/]+$/, '');
  const text = String(location);
  return text.startsWith(base + '/') || text.startsWith(base + '\\');
}
