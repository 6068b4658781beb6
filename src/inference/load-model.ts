import { SmearscopeError } from '../errors.js';
import type { InferenceHost, LoadProgress } from './host.js';
import { validateModelCard } from './model-card.js';
import type { ModelCard } from './model-card-types.js';
import { defaultModelId, isModelId, shippedModel } from './shipped-models.js';

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

/** Largest ONNX file read by default, bytes (a CoAtNet or ResNet-50 classifier is 100-300 MB). */
export const DEFAULT_MAX_MODEL_BYTES = 1024 * 2 ** 20;
/** Largest card read: JSON with classifier weights is a few MB. */
const MAX_CARD_BYTES = 64 * 2 ** 20;

export interface LoadModelOptions {
  /** Largest ONNX file read, bytes, checked before reading (default DEFAULT_MAX_MODEL_BYTES). */
  maxModelBytes?: number;
  /** Bytes of the card and the graph as they arrive. */
  onProgress?: (progress: LoadProgress) => void;
  /** Browsers: keep card and graph in Cache Storage so later loads work offline. Default true. */
  cache?: boolean;
}

/**
 * Reads and validates a card (a shipped model's id, a path or a URL), then reads the ONNX file it
 * names (relative to the card, or the shipped one). The file must lie in the card's folder or the
 * package's models/ folder (a card cannot make us read /etc/passwd), be a regular file, and be at
 * most `maxModelBytes` (checked before reading).
 */
export async function loadModel(platform: InferenceHost, source: ModelSource, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const maxModelBytes = options.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
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
      `model must be a shipped model's id, a card path or URL, or { card, onnx }, got ${source === null ? 'null' : typeof source}`,
    );
  }
  const shipped = typeof source === 'string' && isModelId(source) ? platform.shippedModelFiles(shippedModel(source)) : undefined;
  const cardLocation = shipped?.card ?? source;
  const location = String(cardLocation);
  const cache = options.cache ?? true;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  // The card is small and names the version: network first, so an updated card is seen.
  const bytes = await platform.readBytes(cardLocation, {
    maxBytes: MAX_CARD_BYTES,
    ...progress,
    ...(cache ? { cache: 'network-first' as const } : {}),
  });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${location} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const card = validateModelCard(json, location);
  const graph = shipped?.onnx ?? platform.resolveRelative(card.model, cardLocation);
  // The package's models/ folder as this host locates it (assetsPath included; never from
  // import.meta.url directly, which IIFE bundles do not have).
  const packageModels = platform.shippedModelFiles(shippedModel(defaultModelId())).card;
  const folders = [platform.resolveRelative('.', cardLocation), platform.resolveRelative('.', packageModels)];
  if (!folders.some((folder) => isInside(graph, folder))) {
    throw new SmearscopeError(
      'INVALID_MODEL_CARD',
      `${location}: "model" (${card.model}) must name a file in the card's folder or in the package's models/`,
    );
  }
  // The graph is large and fixed per card version: cache first, keyed by the version.
  const cacheKey = `?smearscope-model=${encodeURIComponent(card.id)}@${encodeURIComponent(card.version)}`;
  const modelBytes = await platform.readBytes(graph, {
    maxBytes: maxModelBytes,
    ...progress,
    ...(cache ? { cache: 'cache-first' as const, cacheKey } : {}),
  });
  return { card, modelBytes, location };
}

/** Whether a resolved (normalized) path or URL lies under `folder`. */
function isInside(location: string | URL, folder: string | URL): boolean {
  const base = String(folder).replace(/[\\/]+$/, '');
  const text = String(location);
  return text.startsWith(base + '/') || text.startsWith(base + '\\');
}
