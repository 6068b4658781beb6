import type { AnalyzeOptions, CellClassification } from '../api-types.js';
import { decideCell } from '../clinical/decide-cell.js';
import type { ResolvedScheme } from '../clinical/scheme-types.js';
import { softmaxInto } from '../clinical/softmax.js';
import { computeCam } from '../explain/cam.js';
import type { BatchOutputs } from '../inference/backend.js';
import type { ModelCard } from '../inference/model-card-types.js';

/**
 * The classifications of the first `count` cells of a batch's outputs (batch-major, `batchSize`
 * rows): softmax, decision (with abstention), probabilities by class code, and, when asked, the
 * embedding and the CAM of the decided class. Reads `outputs`; the results own their arrays.
 */
export function classifyCells(
  outputs: BatchOutputs,
  count: number,
  batchSize: number,
  card: ModelCard,
  scheme: ResolvedScheme,
  options: Pick<AnalyzeOptions, 'thresholds' | 'includeFeatures' | 'includeCam'>,
): CellClassification[] {
  const classCount = scheme.classCount;
  const probs = new Float32Array(classCount);
  const featureDims = outputs.features ? outputs.features.length / batchSize : 0;
  const classifications: CellClassification[] = [];
  for (let k = 0; k < count; k++) {
    softmaxInto(outputs.logits, k, classCount, probs);
    const decision = decideCell(probs, scheme, options.thresholds);
    const byCode: Record<string, number> = {};
    for (let c = 0; c < classCount; c++) byCode[scheme.classes[c].code] = probs[c];
    const classification: CellClassification = { ...decision, probs: byCode };
    if (options.includeFeatures && outputs.features) {
      classification.features = outputs.features.slice(k * featureDims, (k + 1) * featureDims);
    }
    if (options.includeCam && outputs.featureMap && outputs.featureMapShape && card.outputs.classifier) {
      const [channels, height, width] = outputs.featureMapShape;
      classification.cam = computeCam(outputs.featureMap, k, { channels, height, width }, card.outputs.classifier.weights, decision.classIndex);
    }
    classifications.push(classification);
  }
  return classifications;
}
