import { nearestKey } from '../check-options.js';
import { THRESHOLD_KEYS } from '../clinical/cell-thresholds.js';
import { resolveScheme } from '../clinical/schemes.js';
import type { CardClasses } from '../clinical/scheme-types.js';
import { SmearscopeError } from '../errors.js';
import type { ModelCard } from './model-card-types.js';

export type { ModelCard } from './model-card-types.js';

/** Physical patch sizes a card may declare, microns: smaller cannot hold a leukocyte (7-20 um),
 * larger holds a crowd of cells and no single one. */
export const PATCH_MICRONS_RANGE = [5, 200] as const;
/** Model input sides in pixels: the kernels write one patch per cell of this size. */
export const INPUT_PIXELS_RANGE = [8, 2048] as const;
const GROUP_KEYS = ['blast', 'atypical', 'abstain'] as const;

type Json = Record<string, unknown>;

// The fields this version reads, by object (`satisfies` keeps each list equal to its type's keys).
// Free-form objects (provenance, fp16.agreement, schemeDefinition, checked by the scheme) are not listed.
const CARD_KEYS = {
  id: true,
  version: true,
  description: true,
  scheme: true,
  schemeDefinition: true,
  classes: true,
  groups: true,
  thresholds: true,
  model: true,
  input: true,
  stainReference: true,
  stainNormalization: true,
  outputs: true,
  fp16: true,
  flopsPerCell: true,
  parameters: true,
  provenance: true,
} as const satisfies Record<keyof ModelCard, true>;
const INPUT_KEYS = {
  name: true,
  width: true,
  height: true,
  layout: true,
  mean: true,
  std: true,
  patchMicrons: true,
  batch: true,
} as const satisfies Record<keyof ModelCard['input'], true>;
const OUTPUT_KEYS = { logits: true, features: true, featureMap: true, classifier: true } as const satisfies Record<
  keyof ModelCard['outputs'],
  true
>;
const CLASSIFIER_KEYS = { weights: true, bias: true } as const satisfies Record<
  keyof NonNullable<ModelCard['outputs']['classifier']>,
  true
>;
const STAIN_KEYS = { stainMatrix: true, maxC: true } as const satisfies Record<keyof NonNullable<ModelCard['stainReference']>, true>;
const FP16_KEYS = { model: true, agreement: true } as const satisfies Record<keyof NonNullable<ModelCard['fp16']>, true>;
const THRESHOLD_NAMES = Object.keys(THRESHOLD_KEYS) as (keyof typeof THRESHOLD_KEYS)[];

/**
 * Checks a parsed card against the schema of model-card-types.ts, and its classes against its class
 * scheme as createScope resolves it, and returns it typed. Every problem found is listed in one
 * INVALID_MODEL_CARD error, with the field path, so a vendor fixes their card in one go; no input
 * (null fields, wrong types) makes it throw anything else.
 * `label` names the card (its path) in the message.
 */
export function validateModelCard(json: unknown, label = 'model card'): ModelCard {
  if (!isObject(json)) throw new SmearscopeError('INVALID_MODEL_CARD', `${label}: expected a JSON object`);
  const card = json;
  const problems: string[] = [];
  const check = new Checks(problems);

  check.text('id', card.id);
  check.text('version', card.version);
  check.text('scheme', card.scheme);
  check.text('model', card.model);

  const input = check.object('input', card.input, '{ name, width, height, layout, mean, std, patchMicrons, batch }');
  if (input) {
    check.text('input.name', input.name);
    check.number('input.width', input.width, INPUT_PIXELS_RANGE, true);
    check.number('input.height', input.height, INPUT_PIXELS_RANGE, true);
    if (input.layout !== 'NCHW') problems.push(`input.layout must be "NCHW", got ${show(input.layout)}`);
    check.numbers('input.mean', input.mean, 3, [0, 1]);
    check.numbers('input.std', input.std, 3, [Number.MIN_VALUE, 1]);
    check.number('input.patchMicrons', input.patchMicrons, PATCH_MICRONS_RANGE);
    if (input.batch !== null && input.batch !== undefined) check.number('input.batch', input.batch, [1, 1024], true);
  }

  const classes =
    Array.isArray(card.classes) && card.classes.length >= 2 && card.classes.every((c) => typeof c === 'string' && c !== '')
      ? (card.classes as string[])
      : undefined;
  if (!classes) problems.push('classes must list at least 2 class codes (strings) in output order');
  else if (new Set(classes).size !== classes.length) problems.push('classes must not repeat a code');
  else if (typeof card.scheme === 'string') {
    const problem = schemeProblem({
      id: String(card.id),
      scheme: card.scheme,
      classes,
      ...(card.schemeDefinition !== undefined ? { schemeDefinition: card.schemeDefinition as CardClasses['schemeDefinition'] } : {}),
    });
    if (problem) problems.push(problem);
  }

  const groups = check.object('groups', card.groups, `{ ${GROUP_KEYS.join(', ')} }: arrays of class codes`, true);
  if (groups) {
    for (const key of Object.keys(groups)) {
      if (!(GROUP_KEYS as readonly string[]).includes(key)) problems.push(`groups.${key} is not a group (${GROUP_KEYS.join(', ')})`);
    }
    for (const key of GROUP_KEYS) {
      const codes = groups[key];
      if (codes === undefined) continue;
      if (!Array.isArray(codes)) {
        problems.push(`groups.${key} must be an array of class codes, got ${show(codes)}`);
        continue;
      }
      for (const code of codes) {
        if (classes && !classes.includes(code as string)) problems.push(`groups.${key} names ${show(code)}, which is not among classes`);
      }
    }
  }

  const thresholds = check.object('thresholds', card.thresholds, `{ ${THRESHOLD_NAMES.join(', ')} }: probabilities`, true);
  if (thresholds) {
    for (const key of THRESHOLD_NAMES) if (thresholds[key] !== undefined) check.number(`thresholds.${key}`, thresholds[key], [0, 1]);
  }

  const stain = check.object('stainReference', card.stainReference, '{ stainMatrix: 2 rows of 3 numbers, maxC: 2 numbers }', true);
  if (stain) {
    if (!Array.isArray(stain.stainMatrix) || stain.stainMatrix.length !== 2) {
      problems.push(
        `stainReference.stainMatrix must be 2 rows (hematoxylin-like, eosin-like) of 3 numbers, got ${show(stain.stainMatrix)}`,
      );
    } else {
      stain.stainMatrix.forEach((row, i) => {
        // Macenko stain vectors are unit directions in optical-density space.
        if (check.numbers(`stainReference.stainMatrix[${i}]`, row, 3, [-1, 1])) {
          const norm = Math.hypot(...(row as number[]));
          if (Math.abs(norm - 1) > 0.01)
            problems.push(`stainReference.stainMatrix[${i}] must be a unit vector, its length is ${norm.toFixed(4)}`);
        }
      });
    }
    check.numbers('stainReference.maxC', stain.maxC, 2, [Number.MIN_VALUE, 100]);
  }
  if (card.stainNormalization !== undefined) {
    if (typeof card.stainNormalization !== 'boolean')
      problems.push(`stainNormalization must be true or false, got ${show(card.stainNormalization)}`);
    else if (card.stainNormalization && card.stainReference === undefined) problems.push('stainNormalization: true needs a stainReference');
  }

  const outputs = check.object('outputs', card.outputs, '{ logits, features?, featureMap?, classifier? }');
  if (outputs) {
    check.text('outputs.logits', outputs.logits);
    if (outputs.features !== undefined) check.text('outputs.features', outputs.features);
    if (outputs.featureMap !== undefined) check.text('outputs.featureMap', outputs.featureMap);
    const classifier = check.object('outputs.classifier', outputs.classifier, '{ weights: [classes][C], bias: [classes] }', true);
    if (classifier && classes) {
      const { weights, bias } = classifier;
      const width = Array.isArray(weights) && Array.isArray(weights[0]) ? weights[0].length : 0;
      if (
        !Array.isArray(weights) ||
        weights.length !== classes.length ||
        width === 0 ||
        weights.some((row) => !Array.isArray(row) || row.length !== width || row.some((v) => !Number.isFinite(v)))
      ) {
        problems.push(`outputs.classifier.weights must be ${classes.length} rows (one per class) of the same length, of finite numbers`);
      }
      check.numbers('outputs.classifier.bias', bias, classes.length, [-Infinity, Infinity]);
    }
  }

  const fp16 = check.object('fp16', card.fp16, '{ model: path of the float16 graph, agreement? }', true);
  if (fp16) check.text('fp16.model', fp16.model);

  const provenance = check.object('provenance', card.provenance, '{ trained: true|false, ... }');
  if (provenance && typeof provenance.trained !== 'boolean')
    problems.push(`provenance.trained must be true or false, got ${show(provenance.trained)}`);

  if (problems.length > 0) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${label} is not a valid model card:\n  - ${problems.join('\n  - ')}`);
  }
  return card as unknown as ModelCard;
}

/**
 * The fields of a valid card that this version of the SDK does not read, as paths
 * (`input.colorOrder`), each with the field it was probably meant to be (`thresholds.confidance (did
 * you mean thresholds.confidence?)`). They are not errors (a card written for a later version still
 * loads), but a vendor must learn that, e.g., a channel order their graph needs is not applied.
 */
export function unknownCardFields(card: ModelCard): string[] {
  const found: string[] = [];
  const scan = (path: string, value: unknown, known: Readonly<Record<string, true>>) => {
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(known, key)) continue;
      const near = nearestKey(key, known);
      found.push(`${path}${key}${near ? ` (did you mean ${path}${near}?)` : ''}`);
    }
  };
  scan('', card, CARD_KEYS);
  scan('input.', card.input, INPUT_KEYS);
  scan('outputs.', card.outputs, OUTPUT_KEYS);
  scan('outputs.classifier.', card.outputs.classifier, CLASSIFIER_KEYS);
  scan('stainReference.', card.stainReference, STAIN_KEYS);
  scan('fp16.', card.fp16, FP16_KEYS);
  scan('thresholds.', card.thresholds, THRESHOLD_KEYS);
  return found;
}

/** One line naming the card's fields this version ignores (unknownCardFields), or undefined when there are none. */
export function ignoredCardFieldsNote(card: ModelCard): string | undefined {
  const fields = unknownCardFields(card);
  if (fields.length === 0) return undefined;
  return `model card "${card.id}": ${fields.length === 1 ? 'field' : 'fields'} ${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not read by this version of smearscope and ignored`;
}

/**
 * What createScope's scheme resolution refuses in the card's scheme and classes (an unknown scheme,
 * a class code not in it), or undefined. Groups and thresholds are left out: checked above, and
 * resolveScheme would throw on the first malformed one instead of listing it.
 */
function schemeProblem(card: CardClasses): string | undefined {
  try {
    resolveScheme(card);
    return undefined;
  } catch (error) {
    if (error instanceof SmearscopeError) return error.message;
    throw error;
  }
}

/** Field checks that append a problem (with the field path) instead of throwing. */
class Checks {
  constructor(private readonly problems: string[]) {}

  text(path: string, value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) this.problems.push(`${path} must be a non-empty string, got ${show(value)}`);
  }

  /** The value as an object, or undefined (a problem unless `optional` and absent). */
  object(path: string, value: unknown, shape: string, optional = false): Json | undefined {
    if (optional && value === undefined) return undefined;
    if (isObject(value)) return value;
    this.problems.push(`${path} must be an object ${shape}, got ${show(value)}`);
    return undefined;
  }

  number(path: string, value: unknown, [low, high]: readonly [number, number], integer = false): boolean {
    const ok =
      typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high && (!integer || Number.isInteger(value));
    if (!ok) this.problems.push(`${path} must be ${integer ? 'an integer' : 'a number'} ${range(low, high)}, got ${show(value)}`);
    return ok;
  }

  /** `count` finite numbers in [low, high]; true when they are. */
  numbers(path: string, value: unknown, count: number, [low, high]: readonly [number, number]): boolean {
    const ok =
      Array.isArray(value) &&
      value.length === count &&
      value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= low && v <= high);
    if (!ok) this.problems.push(`${path} must be ${count} finite numbers ${range(low, high)}, got ${show(value)}`);
    return ok;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function range(low: number, high: number): string {
  if (low === -Infinity && high === Infinity) return '';
  if (low === Number.MIN_VALUE) return `in (0, ${high}]`;
  return `in [${low}, ${high}]`;
}

/** A short rendering of a bad value for a message (never the whole of a large array). */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
