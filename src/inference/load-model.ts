import { SmearscopeError } from '../errors.js';
import type { InferenceHost, LoadProgress } from './host.js';
import { validateModelCard } from './model-card.js';
import type { ModelCard } from './model-card-types.js';
import { isModelId, shippedModel } from './shipped-models.js';

/**
 * A model as users hand it over: a shipped model's id ('bm7-resnet10s', see `models`), a card
 * location (path or URL; its graph is found relative to it), or the card and graph in memory.
 */
export type ModelSource = string | URL | { card: ModelCard; onnx: Uint8Array };

export interface LoadedModel {
  card: ModelCard;
  modelBytes: Uint8Array;
  /** Where the card came from, for reports. */
  location: string;
}

export interface LoadModelOptions {
  /** Bytes of the card and the graph as they arrive. */
  onProgress?: (progress: LoadProgress) => void;
  /** Browsers: keep card and graph in Cache Storage so later loads work offline. Default true. */
  cache?: boolean;
}

/** Reads and validates a card, then reads the ONNX file it names (relative to the card, or the shipped one). */
export async function loadModel(platform: InferenceHost, source: ModelSource, options: LoadModelOptions = {}): Promise<LoadedModel> {
  if (typeof source === 'object' && !(source instanceof URL)) {
    if (!(source.onnx instanceof Uint8Array)) {
      throw new SmearscopeError('INVALID_ARGUMENT', 'model.onnx must be the ONNX file as a Uint8Array');
    }
    return { card: validateModelCard(source.card, `model card "${source.card?.id}"`), modelBytes: source.onnx, location: 'memory' };
  }
  const shipped = typeof source === 'string' && isModelId(source) ? platform.shippedModelFiles(shippedModel(source)) : undefined;
  const cardLocation = shipped?.card ?? source;
  const location = String(cardLocation);
  const cache = options.cache ?? true;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  // The card is small and names the version: network first, so an updated card is seen.
  const bytes = await platform.readBytes(cardLocation, { ...progress, ...(cache ? { cache: 'network-first' as const } : {}) });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${location} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const card = validateModelCard(json, location);
  // The graph is large and fixed per card version: cache first, keyed by the version.
  const graph = shipped?.onnx ?? platform.resolveRelative(card.model, cardLocation);
  const cacheKey = `?smearscope-model=${encodeURIComponent(card.id)}@${encodeURIComponent(card.version)}`;
  const modelBytes = await platform.readBytes(graph, { ...progress, ...(cache ? { cache: 'cache-first' as const, cacheKey } : {}) });
  return { card, modelBytes, location };
}
