// Re-measures a trained model's held-out metrics through the SDK itself (`smearscope eval`: the SDK's
// image decoding, the WASM patch kernel, ONNX Runtime) and writes them into its card, so that the
// card states exactly what the command reproduces. The split, folder names and crop scale come from
// the card's provenance.heldOutEval (default: the bm-matek-7 split of the first model).
// Run after training and `npm run build`:  node models/train/record-sdk-metrics.mjs models/<id>.json
import { readFileSync, writeFileSync } from 'node:fs';
import { heldOutArgs, runEval } from '../../scripts/validate/eval-run.mjs';

const cardPath = process.argv[2] ?? 'models/bm7-resnet10s.json';
const card = JSON.parse(readFileSync(cardPath, 'utf8'));
const spec = card.provenance.heldOutEval ?? { data: '../shared/data/bm-matek-7', list: 'models/train/holdout.txt' };
const args = heldOutArgs(spec, cardPath);
const result = await runEval([...args, '--backend', 'wasm']);
const round = (v) => (v === null || v === undefined ? null : Number(v.toFixed(4)));
const scriptMetrics = card.provenance.metrics;
card.provenance.metrics = {
  split: spec.list,
  measuredBy: `smearscope ${args.join(' ')} --backend wasm --json`,
  stainNormalization: result.stainNormalization.on,
  balancedAccuracy: round(result.balancedAccuracy),
  accuracy: round(result.accuracy),
  tolerantBalancedAccuracy: round(result.tolerant.balancedAccuracy),
  ...(result.auc?.blast !== undefined ? { aucBlast: round(result.auc.blast) } : {}),
  perClass: Object.fromEntries(
    Object.entries(result.perClass).map(([code, m]) => [
      code,
      { precision: round(m.precision), recall: round(m.recall), support: m.support },
    ]),
  ),
  confusion: result.confusion.map((row) => row.map(round)),
  trainingScriptBalancedAccuracy: scriptMetrics?.trainingScriptBalancedAccuracy ?? scriptMetrics?.balancedAccuracy ?? null,
};
writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
console.log(
  `${cardPath}: balanced accuracy ${card.provenance.metrics.balancedAccuracy} (SDK), ${card.provenance.metrics.trainingScriptBalancedAccuracy} (training script, PIL decoding)`,
);
