import { SmearscopeError } from '../errors.js';
import type { ModelCard } from './model-card-types.js';

export type { ModelCard } from './model-card-types.js';

/**
 * Checks a parsed card against the schema of model-card-types.ts and returns it typed. Every
 * problem found is listed in one INVALID_MODEL_CARD error, with the field path, so a vendor fixes
 * their card in one go. `label` names the card (its path) in the message.
 */
export function validateModelCard(json: unknown, label = 'model card'): ModelCard {
  const problems: string[] = [];
  const card = json as Record<string, any>;
  if (!card || typeof card !== 'object' || Array.isArray(card)) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${label}: expected a JSON object`);
  }
  const text = (path: string, value: unknown) => {
    if (typeof value !== 'string' || value.length === 0) problems.push(`${path} must be a non-empty string`);
  };
  const positive = (path: string, value: unknown, integer = false) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      problems.push(`${path} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`);
    }
  };
  const triple = (path: string, value: unknown, mustBePositive: boolean) => {
    if (!Array.isArray(value) || value.length !== 3 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v) || (mustBePositive && v <= 0))) {
      problems.push(`${path} must be 3 ${mustBePositive ? 'positive ' : ''}numbers (R, G, B)`);
    }
  };
  const probability = (path: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) problems.push(`${path} must be in [0, 1]`);
  };

  text('id', card.id);
  text('version', card.version);
  text('scheme', card.scheme);
  text('model', card.model);

  const input = card.input;
  if (!input || typeof input !== 'object') {
    problems.push('input must be an object { name, width, height, layout, mean, std, patchMicrons, batch }');
  } else {
    text('input.name', input.name);
    positive('input.width', input.width, true);
    positive('input.height', input.height, true);
    if (input.layout !== 'NCHW') problems.push(`input.layout must be "NCHW", got ${JSON.stringify(input.layout)}`);
    triple('input.mean', input.mean, false);
    triple('input.std', input.std, true);
    positive('input.patchMicrons', input.patchMicrons);
    if (input.batch !== null && input.batch !== undefined) positive('input.batch', input.batch, true);
  }

  if (!Array.isArray(card.classes) || card.classes.length < 2 || card.classes.some((c: unknown) => typeof c !== 'string' || !c)) {
    problems.push('classes must list at least 2 class codes (strings) in output order');
  } else if (new Set(card.classes).size !== card.classes.length) {
    problems.push('classes must not repeat a code');
  }

  if (card.thresholds !== undefined) {
    probability('thresholds.confidence', card.thresholds.confidence);
    probability('thresholds.blast', card.thresholds.blast);
    probability('thresholds.atypical', card.thresholds.atypical);
  }

  if (card.stainReference !== undefined) {
    const ref = card.stainReference;
    if (!ref || !Array.isArray(ref.stainMatrix) || ref.stainMatrix.length !== 2) {
      problems.push('stainReference.stainMatrix must be 2 rows of 3 numbers');
    } else {
      ref.stainMatrix.forEach((row: unknown, i: number) => triple(`stainReference.stainMatrix[${i}]`, row, false));
    }
    if (!ref || !Array.isArray(ref.maxC) || ref.maxC.length !== 2 || ref.maxC.some((v: unknown) => typeof v !== 'number' || !(v > 0))) {
      problems.push('stainReference.maxC must be 2 positive numbers');
    }
  }

  if (card.stainNormalization !== undefined) {
    if (typeof card.stainNormalization !== 'boolean') problems.push('stainNormalization must be true or false');
    else if (card.stainNormalization && card.stainReference === undefined) problems.push('stainNormalization: true needs a stainReference');
  }

  const outputs = card.outputs;
  if (!outputs || typeof outputs !== 'object') {
    problems.push('outputs must be an object with at least { logits }');
  } else {
    text('outputs.logits', outputs.logits);
    if (outputs.features !== undefined) text('outputs.features', outputs.features);
    if (outputs.featureMap !== undefined) text('outputs.featureMap', outputs.featureMap);
    if (outputs.classifier !== undefined && Array.isArray(card.classes)) {
      const { weights, bias } = outputs.classifier;
      if (!Array.isArray(weights) || weights.length !== card.classes.length || !Array.isArray(bias) || bias.length !== card.classes.length) {
        problems.push(`outputs.classifier needs weights and bias with one row per class (${card.classes.length})`);
      }
    }
  }

  if (!card.provenance || typeof card.provenance !== 'object' || typeof card.provenance.trained !== 'boolean') {
    problems.push('provenance must be an object with trained: true|false');
  }

  if (problems.length > 0) {
    throw new SmearscopeError('INVALID_MODEL_CARD', `${label} is not a valid model card:\n  - ${problems.join('\n  - ')}`);
  }
  return card as ModelCard;
}
