import type * as ortTypes from 'onnxruntime-common';
import { SmearscopeError } from '../errors.js';
import type { ModelCard } from './model-card-types.js';

/**
 * Compares the card with the loaded graph: input and output names, the input's channel and spatial
 * dims, and (when known statically) the logits' class count. Throws MODEL_MISMATCH listing every
 * disagreement and what to fix.
 */
export function checkGraphAgainstCard(session: ortTypes.InferenceSession, card: ModelCard): void {
  const problems: string[] = [];
  if (!session.inputNames.includes(card.input.name)) {
    problems.push(`input "${card.input.name}" not in the graph (graph inputs: ${session.inputNames.join(', ')})`);
  }
  const declared = [card.outputs.logits, card.outputs.features, card.outputs.featureMap].filter((n): n is string => !!n);
  for (const name of declared) {
    if (!session.outputNames.includes(name)) {
      problems.push(`output "${name}" not in the graph (graph outputs: ${session.outputNames.join(', ')})`);
    }
  }
  const inputMeta = session.inputMetadata?.find((m) => m.name === card.input.name);
  if (inputMeta?.isTensor && inputMeta.shape.length > 0) {
    const [, channels, height, width] = inputMeta.shape;
    if (inputMeta.shape.length !== 4) problems.push(`input "${card.input.name}" has rank ${inputMeta.shape.length}, expected 4 (NCHW)`);
    if (typeof channels === 'number' && channels !== 3) problems.push(`input has ${channels} channels, expected 3 (RGB)`);
    if (typeof height === 'number' && height !== card.input.height)
      problems.push(`input height is ${height} in the graph but ${card.input.height} in the card`);
    if (typeof width === 'number' && width !== card.input.width)
      problems.push(`input width is ${width} in the graph but ${card.input.width} in the card`);
  }
  const logitsMeta = session.outputMetadata?.find((m) => m.name === card.outputs.logits);
  if (logitsMeta?.isTensor && logitsMeta.shape.length === 2) {
    const classCount = logitsMeta.shape[1];
    if (typeof classCount === 'number' && classCount !== card.classes.length) {
      problems.push(`logits have ${classCount} classes in the graph but the card lists ${card.classes.length}`);
    }
  }
  if (problems.length > 0) {
    throw new SmearscopeError('MODEL_MISMATCH', `model card "${card.id}" does not match its ONNX graph:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Checks the class count of a real output (for graphs whose shapes are symbolic). */
export function checkLogitsLength(logits: Float32Array, batchSize: number, card: ModelCard): void {
  if (logits.length !== batchSize * card.classes.length) {
    throw new SmearscopeError(
      'MODEL_MISMATCH',
      `model "${card.id}" returned ${logits.length / batchSize} logits per cell but the card lists ${card.classes.length} classes`,
    );
  }
}
