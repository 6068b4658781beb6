import type * as ortTypes from 'onnxruntime-common';
import { SmearscopeError } from '../errors.js';
import type { ModelCard } from './model-card-types.js';

type ValueMetadata = ortTypes.InferenceSession.ValueMetadata;
type TensorMetadata = ortTypes.InferenceSession.TensorValueMetadata;

/**
 * Compares the card with the loaded graph: input and output names, the input's batch, channel and
 * spatial dims, the element type of the input and outputs, and (when known statically) the logits'
 * class count and the feature map's channels against the CAM weights. Throws MODEL_MISMATCH listing
 * every disagreement and what to fix.
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
  const inputMeta = tensorMetadata(session.inputMetadata, card.input.name);
  if (inputMeta) problems.push(...inputProblems(inputMeta, card));
  for (const name of declared) {
    const meta = tensorMetadata(session.outputMetadata, name);
    if (meta && meta.type !== 'float32') problems.push(float32Problem(`output "${name}"`, meta.type));
  }
  const logitsMeta = tensorMetadata(session.outputMetadata, card.outputs.logits);
  if (logitsMeta?.shape.length === 2) {
    const classCount = logitsMeta.shape[1];
    if (typeof classCount === 'number' && classCount !== card.classes.length) {
      problems.push(`logits have ${classCount} classes in the graph but the card lists ${card.classes.length}`);
    }
  }
  const camProblem = classifierWidthProblem(session, card);
  if (camProblem) problems.push(camProblem);
  if (problems.length > 0) {
    throw new SmearscopeError('MODEL_MISMATCH', `model card "${card.id}" does not match its ONNX graph:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The tensor metadata of value `name`, when this runtime reports it (older ones report none). */
function tensorMetadata(metadata: readonly ValueMetadata[] | undefined, name: string | undefined): TensorMetadata | undefined {
  const meta = metadata?.find((m) => m.name === name);
  return meta?.isTensor ? meta : undefined;
}

/** The input's element type and NCHW dims against the card. */
function inputProblems(meta: TensorMetadata, card: ModelCard): string[] {
  const problems: string[] = [];
  if (meta.type !== 'float32') problems.push(float32Problem(`input "${card.input.name}"`, meta.type));
  if (meta.shape.length === 0) return problems;
  const [batch, channels, height, width] = meta.shape;
  if (meta.shape.length !== 4) problems.push(`input "${card.input.name}" has rank ${meta.shape.length}, expected 4 (NCHW)`);
  // A fixed batch in the graph accepts runs of exactly that many cells: the card must say so, or
  // every run of another batch size fails inside ONNX Runtime.
  if (typeof batch === 'number' && batch !== card.input.batch) {
    const cardSays = card.input.batch == null ? 'a dynamic batch (input.batch: null)' : `input.batch: ${card.input.batch}`;
    problems.push(
      `the graph's batch is fixed at ${batch} but the card says ${cardSays}; set input.batch: ${batch} in the card and run batches of ${batch} (batchSize; the CLI's --batch), or export the graph with a dynamic batch`,
    );
  }
  if (typeof channels === 'number' && channels !== 3) problems.push(`input has ${channels} channels, expected 3 (RGB)`);
  if (typeof height === 'number' && height !== card.input.height)
    problems.push(`input height is ${height} in the graph but ${card.input.height} in the card`);
  if (typeof width === 'number' && width !== card.input.width)
    problems.push(`input width is ${width} in the graph but ${card.input.width} in the card`);
  return problems;
}

/** The SDK feeds and reads float32 only; a float16 graph ships as the card's fp16 variant instead. */
function float32Problem(what: string, type: string): string {
  return (
    `${what} is ${type} in the graph, expected float32: the SDK feeds float32 patches and reads float32 outputs; ` +
    'name a float32 graph in "model", and a float16 one (Casts at its boundaries, float32 input and outputs) in "fp16.model"'
  );
}

/** CAM weighs the feature map's channels with the card's classifier rows: their widths must agree. */
function classifierWidthProblem(session: ortTypes.InferenceSession, card: ModelCard): string | undefined {
  const classifier = card.outputs.classifier;
  const featureMeta = tensorMetadata(session.outputMetadata, card.outputs.featureMap);
  if (!classifier || featureMeta?.shape.length !== 4) return undefined;
  const channels = featureMeta.shape[1];
  const width = classifier.weights[0].length;
  if (typeof channels !== 'number' || channels === width) return undefined;
  return `outputs.classifier.weights have ${width} entries per class but the feature map "${card.outputs.featureMap}" has ${channels} channels in the graph; the weights must be those of the final linear layer, one per feature-map channel`;
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
