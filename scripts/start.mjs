// `npm start`: the main job on the sample data. Runs `smearscope analyze` over the BCCD frames
// (peripheral blood) in ../shared/data with the shipped peripheral-blood model, writes the JSON
// report to out/, and prints the summary as a blood differential.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../dist/node/cli.js';
import { BLOOD_MODEL_ID } from './shipped-models.mjs';

const frames = '../shared/data/bccd/JPEGImages';
// BCCD's pixel size (per-frame erythrocyte estimates: median 0.078 um/px; annotated red-cell boxes:
// 0.072): a scanner's calibration is known in practice. Without it the scale is estimated per frame
// (`npm start -- --microns-per-pixel` cannot unset it; run `smearscope analyze` directly to see the
// estimates), and 3 of the 364 small frames have too few free red cells to be measured.
const BCCD_MICRONS_PER_PIXEL = '0.075';
// BCCD is peripheral blood, so the peripheral-blood model fine-tuned for other cameras (`smearscope models` lists
// the others; models/README.md compares them on BCCD).
const MODEL = BLOOD_MODEL_ID;
const reportPath = resolve('out/bccd-report.json');
mkdirSync('out', { recursive: true });
// A report left by an earlier run must not be summarized as this one's.
rmSync(reportPath, { force: true });

const started = performance.now();
const code = await main([
  'analyze',
  frames,
  '--model',
  MODEL,
  '--microns-per-pixel',
  BCCD_MICRONS_PER_PIXEL,
  '--out',
  reportPath,
  '--quiet',
  ...process.argv.slice(2),
]);
const seconds = (performance.now() - started) / 1000;
if (!existsSync(reportPath)) {
  // analyze refused before any frame (no data, a bad option) and has said why on stderr.
  process.exit(code || 1);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

const frameCount = report.frames.length;
const cells = report.frames.flatMap((frame) => frame.cells);
const withCells = report.frames.filter((frame) => frame.cells.length > 0).length;
const failed = report.frames.filter((frame) => frame.error).length;
const totals = report.frames.map((frame) => frame.timingsMs.total).sort((a, b) => a - b);
const median = totals[Math.floor(totals.length / 2)] ?? 0;
const scales = report.frames
  .map((f) => f.micronsPerPixel)
  .filter((v) => v !== null)
  .sort((a, b) => a - b);
const d = report.differential;
const pct = (v) => (v === null ? '-' : `${v.toFixed(1)} %`);
const ci = (c) => (c ? ` (${c[0].toFixed(1)}-${c[1].toFixed(1)})` : '');
const rows = d.differential.map(
  (c) => `            ${c.name.padEnd(62)} ${String(c.count).padStart(4)}  ${pct(c.percent).padStart(7)}${ci(c.ci95Percent)}`,
);
const notCounted =
  d.notCounted
    .filter((c) => c.count > 0)
    .map((c) => `${c.name} ${c.count}`)
    .join(', ') || 'none';
const flags = d.flags.filter((f) => f.raised).map((f) => f.label);

console.log(`
smearscope: ${frameCount} BCCD frames analyzed in ${seconds.toFixed(1)} s (${((seconds * 1000) / frameCount).toFixed(0)} ms per frame overall, median ${median.toFixed(0)} ms in the pipeline)
model:      ${report.model.id} ${report.model.version} (${report.model.provenance.trained ? 'trained' : 'NOT TRAINED'}; scheme ${report.model.scheme}: ${d.scheme.name})
backend:    ${report.backend.name} — ${report.backend.reason}
cells:      ${cells.length} located in ${withCells} of ${frameCount} frames${failed ? `, ${failed} frame(s) failed` : ''}
scale:      ${report.frames.some((f) => f.scaleEstimated) ? 'estimated per frame from the erythrocytes, median' : 'given,'} ${scales.length ? scales[Math.floor(scales.length / 2)].toFixed(3) : '-'} um/px

White-cell differential (${d.countedCells} leukocytes counted; % of counted, 95 % Clopper-Pearson interval):
${rows.join('\n')}
            not counted: ${notCounted}; sent to review (low confidence): ${d.abstained.count}
            ${d.atypical ? `atypical (${d.atypical.codes.join(', ')}): ${d.atypical.count}, ${pct(d.atypical.percent)}${ci(d.atypical.ci95Percent)}` : ''}${flags.length ? `\n            flags: ${flags.join('; ')}` : ''}
note:       each BCCD frame holds one or two leukocytes, so this is a differential over ${frameCount} frames,
            not one slide. ${report.smearscope.disclaimer}
report:     ${reportPath}
`);
process.exitCode = code;
