import { SmearscopeError } from '../errors.js';
import type { InferenceHost, LoadProgress } from './host.js';
import { validateModelCard } from './model-card.js';
import type { ModelCard } from './model-card-types.js';
import { defaultModelId, isModelId, shippedModel } from './shipped-models.js';

/**
 * A model as users hand it over: a shipped model's id ('bm7-resnet10s', see `models`), a card
 * location (path or URL; its graph is found relative to it), or the card and graph in memory.
 */
export type ModelSource = string | URL | { card: ModelCard; onnx: Uint8Array; onnxFp16?: Uint8Array };

export interface LoadedModel {
  card: ModelCard;
  modelBytes: Uint8Array;
  /** The card's float16 graph (`card.fp16.model`), when it was asked for and the card names one. */
  fp16Bytes?: Uint8Array;
  /** Why a float16 graph asked for with 'if-named' was not read (the float32 graph serves instead). */
  fp16Unread?: string;
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
  /** The card's float16 graph: not read ('skip', the default), read when the card names one
   * ('if-named'), or read and INVALID_ARGUMENT when it names none ('required'). */
  fp16?: 'skip' | 'if-named' | 'required';
  /** Read the card alone (false: `modelBytes` is empty), for a scope that runs no model (locateOnly). Default true. */
  graph?: boolean;
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
    if (source.onnxFp16 !== undefined && !(source.onnxFp16 instanceof Uint8Array)) {
      throw new SmearscopeError('INVALID_ARGUMENT', 'model.onnxFp16 must be the float16 ONNX file as a Uint8Array');
    }
    const card = validateModelCard(source.card, `model card "${source.card?.id}"`);
    if (options.graph === false) return { card, modelBytes: new Uint8Array(0), location: 'memory' };
    const fp16Bytes = options.fp16 && options.fp16 !== 'skip' ? source.onnxFp16 : undefined;
    if (options.fp16 === 'required' && !fp16Bytes) throw noFp16Graph(card.id, 'no onnxFp16 was given');
    return { card, modelBytes: source.onnx, ...(fp16Bytes ? { fp16Bytes } : {}), location: 'memory' };
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
  if (options.graph === false) return { card, modelBytes: new Uint8Array(0), location };
  const readGraph = async (graph: string | URL, field: string, declared: string, variant: string) => {
    // The package's models/ folder as this host locates it (assetsPath included; never from
    // import.meta.url directly, which IIFE bundles do not have).
    const packageModels = platform.shippedModelFiles(shippedModel(defaultModelId())).card;
    const folders = [platform.resolveRelative('.', cardLocation), platform.resolveRelative('.', packageModels)];
    if (!folders.some((folder) => isInside(graph, folder))) {
      throw new SmearscopeError(
        'INVALID_MODEL_CARD',
        `${location}: "${field}" (${declared}) must name a file in the card's folder or in the package's models/`,
      );
    }
    // The graph is large and fixed per card version: cache first, keyed by the version.
    const cacheKey = `?smearscope-model=${encodeURIComponent(card.id)}@${encodeURIComponent(card.version)}${variant}`;
    return platform.readBytes(graph, {
      maxBytes: maxModelBytes,
      ...progress,
      ...(cache ? { cache: 'cache-first' as const, cacheKey } : {}),
    });
  };
  const modelBytes = await readGraph(shipped?.onnx ?? platform.resolveRelative(card.model, cardLocation), 'model', card.model, '');
  if (!options.fp16 || options.fp16 === 'skip') return { card, modelBytes, location };
  if (!card.fp16) {
    if (options.fp16 === 'required') throw noFp16Graph(card.id, 'its card has no fp16.model');
    return { card, modelBytes, location };
  }
  const fp16Location = shipped?.onnxFp16 ?? platform.resolveRelative(card.fp16.model, cardLocation);
  try {
    const fp16Bytes = await readGraph(fp16Location, 'fp16.model', card.fp16.model, '&dtype=fp16');
    return { card, modelBytes, fp16Bytes, location };
  } catch (error) {
    // 'if-named' is dtype 'auto': a host that did not copy the optional graph still runs fp32.
    if (options.fp16 === 'required' || !(error instanceof SmearscopeError && error.code === 'IO_FAILED')) throw error;
    return { card, modelBytes, fp16Unread: error.message, location };
  }
}

function noFp16Graph(id: string, why: string): SmearscopeError {
  return new SmearscopeError('INVALID_ARGUMENT', `dtype 'fp16': model "${id}" has no float16 graph (${why}); use dtype 'fp32' or 'auto'`);
}

/** Whether a resolved (normalized) path or URL lies under `folder`. */
function isInside(location: string | URL, folder: string | URL): boolean {
  const base = String(folder).replace(/[\\/]+$/, '');
  const text = String(location);
  return text.startsWith(base + '/') || text.startsWith(base + '\\');
}
