import list from 'smearscope:shipped-models';
import { DEFAULT_MODEL_CARD } from './default-model.js';
import { SmearscopeError } from '../errors.js';

/** A model card shipped in the package's models/ folder. */
export interface ShippedModel {
  /** Pass as `model` (or `--model`) to use it. */
  id: string;
  /** The card's file name in models/. */
  card: string;
  /** The ONNX graph's file name in models/. */
  onnx: string;
  /** Its float16 variant's file name in models/, when the card names one (`dtype`). */
  onnxFp16?: string;
  description: string;
  scheme: string;
  classes: string[];
  trained: boolean;
}

/** The models shipped with this package (filled at build time from models/*.json), the default first. */
export const models: readonly ShippedModel[] = list;

/** Id of the default model (src/inference/default-model.ts). */
export function defaultModelId(): string {
  const found = models.find((model) => model.card === DEFAULT_MODEL_CARD);
  if (!found) throw new SmearscopeError('INVALID_MODEL_CARD', `the default model card models/${DEFAULT_MODEL_CARD} is not in this build`);
  return found.id;
}

/** A model source that is a bare id (no folder, no extension, not a URL) rather than a path. */
export function isModelId(source: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(source) && !/\.(json|onnx)$/i.test(source);
}

/** The shipped model with this id, or INVALID_ARGUMENT listing the ids there are. */
export function shippedModel(id: string): ShippedModel {
  const found = models.find((model) => model.id === id);
  if (!found) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `no shipped model "${id}"; shipped: ${models.map((m) => m.id).join(', ')} ` +
        "(import { models } from 'smearscope'), or pass a card's path or URL",
    );
  }
  return found;
}
