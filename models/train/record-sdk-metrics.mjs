// Re-measures a trained model's held-out metrics through the SDK itself (`smearscope eval --list
// models/train/holdout.txt --json`: jpeg-js decoding, the WASM patch kernel, ONNX Runtime) and
// writes them into its card, so that the card states exactly what the command reproduces.
// Run after train.py and `npm run build`:  node models/train/record-sdk-metrics.mjs models/bm7-resnet10s.json
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../dist/node/cli.js';

const cardPath = process.argv[2] ?? 'models/bm7-resnet10s.json';
const split = 'models/train/holdout.txt';
let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => ((output += chunk), true);
const code = await main(['eval', '../shared/data/bm-matek-7', '--list', split, '--model', cardPath, '--backend', 'wasm', '--json']);
process.stdout.write = write;
if (code !== 0) throw new Error(`smearscope eval failed with exit code ${code}`);
const result = JSON.parse(output);
const card = JSON.parse(readFileSync(cardPath, 'utf8'));
const round = (v) => (v === null ? null : Number(v.toFixed(4)));
const scriptMetrics = card.provenance.metrics;
card.provenance.metrics = {
  split,
  measuredBy: 'smearscope eval ../shared/data/bm-matek-7 --list models/train/holdout.txt --json (wasm backend)',
  balancedAccuracy: round(result.balancedAccuracy),
  accuracy: round(result.accuracy),
  tolerantBalancedAccuracy: round(result.tolerant.balancedAccuracy),
  ...(result.auc ? { aucBlast: round(result.auc.blast) } : {}),
  perClass: Object.fromEntries(Object.entries(result.perClass).map(([code, m]) => [code, { precision: round(m.precision), recall: round(m.recall), support: m.support }])),
  confusion: result.confusion.map((row) => row.map(round)),
  trainingScriptBalancedAccuracy: scriptMetrics?.trainingScriptBalancedAccuracy ?? scriptMetrics?.balancedAccuracy ?? null,
};
writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
console.log(`${cardPath}: balanced accuracy ${card.provenance.metrics.balancedAccuracy} (SDK), ${card.provenance.metrics.trainingScriptBalancedAccuracy} (training script, PIL decoding)`);
