// Measures each card's float16 graph against its float32 graph on the card's held-out split through
// the SDK end to end (`smearscope eval --dtype fp32|fp16 --per-cell`, same backend, same cells) and
// writes the figures into the card's fp16.agreement, so the card states what this command reproduces.
// The fp16 graphs come from models/train/fp16.py. Run after `npm run build` (npm run models:fp16 does
// both):  node models/train/record-fp16.mjs [models/<id>.json ...]  (default: every card with fp16)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { heldOutArgs, runEval } from '../../scripts/validate/eval-run.mjs';
import { dtypeAgreement } from './fp16-agreement.mjs';

// native: onnxruntime-node, which runs the float16 graph in float32 kernels between Casts it inserts
// (float16 weights and constants); a shader-f16 GPU also accumulates in float16 (models/README.md).
const BACKEND = 'native';
const cards =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync('models')
        .filter((f) => f.endsWith('.json'))
        .map((f) => `models/${f}`);
const round = (v) => Number(v.toFixed(4));

for (const cardPath of cards) {
  const card = JSON.parse(readFileSync(cardPath, 'utf8'));
  if (!card.fp16) continue;
  const spec = card.provenance.heldOutEval ?? { data: '../shared/data/bm-matek-7', list: 'models/train/holdout.txt' };
  const args = [...heldOutArgs(spec, cardPath), '--backend', BACKEND, '--per-cell'];
  const [fp32, fp16] = [await runEval([...args, '--dtype', 'fp32']), await runEval([...args, '--dtype', 'fp16'])];
  if (fp32.cells.length !== fp16.cells.length || fp32.cells.some((cell, i) => cell.image !== fp16.cells[i].image)) {
    throw new Error(`${cardPath}: the fp32 and fp16 runs scored different cells`);
  }
  const { top1Agreement, maxProbabilityDifference } = dtypeAgreement(
    fp32.cells.map((cell) => cell.probs),
    fp16.cells.map((cell) => cell.probs),
  );
  card.fp16.agreement = {
    split: spec.list,
    cells: fp32.cells.length,
    backend: BACKEND,
    top1Agreement: round(top1Agreement),
    maxProbabilityDifference: round(maxProbabilityDifference),
    balancedAccuracyFp16: round(fp16.balancedAccuracy),
    balancedAccuracyFp32: round(fp32.balancedAccuracy),
    measuredBy: `smearscope ${args.join(' ')} --dtype fp32|fp16 --json`,
  };
  writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
  const a = card.fp16.agreement;
  console.log(
    `${cardPath}: ${a.cells} cells, top-1 agreement ${a.top1Agreement}, max |dp| ${a.maxProbabilityDifference}, ` +
      `balanced accuracy fp16 ${a.balancedAccuracyFp16} vs fp32 ${a.balancedAccuracyFp32}`,
  );
}
