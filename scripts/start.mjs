// `npm start`: the main job on the shipped default model and the sample data. Runs
// `smearscope analyze` over the BCCD frames in ../shared/data, writes the JSON report to out/,
// and prints a short human summary.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../dist/node/cli.js';

const frames = '../shared/data/bccd/JPEGImages';
// BCCD's pixel size (per-frame erythrocyte estimates: median 0.078 um/px; annotated red-cell boxes:
// 0.072): a scanner's calibration is known in practice. Without it the scale is estimated per frame
// (`npm start -- --microns-per-pixel` cannot unset it; run `smearscope analyze` directly to see the
// estimates), and 3 of the 364 small frames have too few free red cells to be measured.
const BCCD_MICRONS_PER_PIXEL = '0.075';
const reportPath = resolve('out/bccd-report.json');
mkdirSync('out', { recursive: true });

const started = performance.now();
const code = await main(['analyze', frames, '--microns-per-pixel', BCCD_MICRONS_PER_PIXEL, '--out', reportPath, '--quiet', ...process.argv.slice(2)]);
const seconds = (performance.now() - started) / 1000;
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

const frameCount = report.frames.length;
const cells = report.frames.flatMap((frame) => frame.cells);
const withCells = report.frames.filter((frame) => frame.cells.length > 0).length;
const failed = report.frames.filter((frame) => frame.error).length;
const byClass = {};
for (const cell of cells) {
  const key = cell.abstained ? `${cell.class} (abstained)` : cell.class;
  byClass[key] = (byClass[key] ?? 0) + 1;
}
const totals = report.frames.map((frame) => frame.timingsMs.total).sort((a, b) => a - b);
const median = totals[Math.floor(totals.length / 2)] ?? 0;
const scales = report.frames.map((f) => f.micronsPerPixel).filter((v) => v !== null).sort((a, b) => a - b);

console.log(`
smearscope: ${frameCount} BCCD frames analyzed in ${seconds.toFixed(1)} s (${(seconds * 1000 / frameCount).toFixed(0)} ms per frame overall, median ${median.toFixed(0)} ms in the pipeline)
model:      ${report.model.id} ${report.model.version} (${report.model.provenance.trained ? 'trained' : 'NOT TRAINED'}; scheme ${report.model.scheme})
backend:    ${report.backend.name} — ${report.backend.reason}
cells:      ${cells.length} located in ${withCells} of ${frameCount} frames${failed ? `, ${failed} frame(s) failed` : ''}
scale:      ${report.frames.some((f) => f.scaleEstimated) ? 'estimated per frame from the erythrocytes, median' : 'given,'} ${scales.length ? scales[Math.floor(scales.length / 2)].toFixed(3) : '-'} um/px
classes:    ${Object.entries(byClass).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}
note:       BCCD is peripheral blood; the default model was trained on bone-marrow cells
            (${report.model.classes.join(' ')}), so its classes are indicative here only.
            ${report.smearscope.disclaimer}
report:     ${reportPath}
`);
process.exitCode = code;
