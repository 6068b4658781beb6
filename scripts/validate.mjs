// `npm run validate`: the external validation table of models/README.md, every figure measured here
// by the SDK (not part of npm test; ~20 min on 2 busy cores). Each with stain normalization on and off:
// - every shipped trained model on its own held-out split (card provenance.heldOutEval);
// - the peripheral-blood models end to end on the BCCD frames (localization + classification against
//   wbc_boxes_with_subtype.csv, 4 subtypes; scripts/validate/bccd.mjs), at the given scale and at the
//   SDK's own per-frame estimate; every frame, and BCCD's test split (ImageSets/Main/test.txt) apart
//   because its train/val frames were looked at while developing the models (the dev split);
// - the bone-marrow models on the PBC cells of pbc-8's held-out split, classes mapped onto theirs, and
//   end to end on the BCCD frames at the given scale: how many of its leukocytes (none a blast) they call blasts.
// Writes the table between the validate markers of models/README.md and prints it.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { boxesInImageSet, parseBccdBoxes, scoreBccd } from './validate/bccd.mjs';
import { heldOutArgs, runEval, runLimited } from './validate/eval-run.mjs';

const execFileAsync = promisify(execFile);

const BACKEND = 'native';
const CONCURRENT_RUNS = 4;
const BCCD = '../shared/data/bccd';
const BCCD_MICRONS_PER_PIXEL = '0.075'; // as npm start (scripts/start.mjs)
// PBC folders as bone-marrow codes: immature granulocytes are mostly promyelocytes/myelocytes, the
// marrow scheme's nearest class is PMO; classes the marrow models lack are left out.
const PBC_AS_MARROW = 'eosinophil=EOS,lymphocyte=LYT,monocyte=MON,neutrophil=NGS,ig=PMO,basophil=-,erythroblast=-,platelet=-';
const PBC_MICRONS_PER_PIXEL = '0.102'; // models/train/scale-pbc-8.json
const README = 'models/README.md';
const BEGIN = '<!-- validate:begin -->';
const END = '<!-- validate:end -->';

const modes = ['on', 'off'];
const fmt = (v) => (v === null || v === undefined ? '-' : v.toFixed(3));
const recalls = (perClass) =>
  Object.entries(perClass)
    .map(([code, m]) => `${code} ${fmt(m.recall)}`)
    .join(', ');
const log = (line) => process.stderr.write(line + '\n');

const cards = readdirSync('models')
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ path: join('models', name), card: JSON.parse(readFileSync(join('models', name), 'utf8')) }))
  .filter(({ card }) => card.provenance?.trained);

// One job per figure; they run a few at a time, each in its own process (runLimited).
const jobs = [];
for (const { path, card } of cards) {
  const spec = card.provenance.heldOutEval ?? { data: '../shared/data/bm-matek-7', list: 'models/train/holdout.txt' };
  for (const mode of modes) {
    jobs.push(async () => {
      log(`held-out: ${card.id}, stain normalization ${mode}`);
      const result = await runEval([...heldOutArgs(spec, path), '--stain-normalization', mode, '--backend', BACKEND]);
      return [
        card.id,
        `own held-out split (${spec.list}, ${result.images} cells)`,
        mode,
        fmt(result.balancedAccuracy),
        result.auc?.blast === undefined ? '-' : fmt(result.auc.blast),
        recalls(result.perClass),
      ];
    });
  }
}

const boxes = parseBccdBoxes(readFileSync(join(BCCD, 'wbc_boxes_with_subtype.csv'), 'utf8'));
const testBoxes = boxesInImageSet(boxes, readFileSync(join(BCCD, 'ImageSets/Main/test.txt'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'smearscope-validate-'));
// Scale: BCCD's calibration as npm start gives it, and none (the SDK estimates it per frame from the erythrocytes).
const bccdScales = [
  { name: `${BCCD_MICRONS_PER_PIXEL} µm/px given`, args: ['--microns-per-pixel', BCCD_MICRONS_PER_PIXEL] },
  { name: 'scale estimated by the SDK', args: [] },
];
/** `smearscope analyze` of every BCCD frame with the card's model; the parsed report. */
async function analyzeBccd(card, scaleIndex, mode) {
  const out = join(scratch, `bccd-${card.id}-${scaleIndex}-${mode}.json`);
  const analyze = ['analyze', join(BCCD, 'JPEGImages'), '--model', card.id, ...bccdScales[scaleIndex].args, '--stain-normalization', mode];
  await execFileAsync('node', ['bin/smearscope.js', ...analyze, '--backend', BACKEND, '--out', out, '--quiet'], {
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(readFileSync(out, 'utf8'));
}

for (const { card } of cards.filter(({ card }) => card.scheme === 'peripheral-blood-pbc-8')) {
  for (const [scaleIndex, scale] of bccdScales.entries()) {
    for (const mode of modes) {
      jobs.push(async () => {
        log(`BCCD end to end: ${card.id}, ${scale.name}, stain normalization ${mode}`);
        const report = await analyzeBccd(card, scaleIndex, mode);
        const score = scoreBccd(report, boxes);
        const test = scoreBccd(report, testBoxes);
        return [
          card.id,
          `BCCD end to end, ${scale.name} (${score.frames} one-leukocyte frames, 4 subtypes; located ${score.located}) · test split ${test.frames}`,
          mode,
          `${fmt(score.balancedAccuracy)} · test ${fmt(test.balancedAccuracy)}`,
          '-',
          recalls(score.perClass),
        ];
      });
    }
  }
}

// The marrow models on a third lab's blood (BCCD; their classes NGS, EOS, LYT, MON are BCCD's subtypes):
// not their sample, but what a screening aid must not do on any smear is call mature leukocytes blasts.
for (const { card } of cards.filter(({ card }) => card.scheme === 'bone-marrow-21')) {
  for (const mode of modes) {
    jobs.push(async () => {
      log(`BCCD end to end (false blasts): ${card.id}, ${bccdScales[0].name}, stain normalization ${mode}`);
      const score = scoreBccd(await analyzeBccd(card, 0, mode), boxes);
      const blasts = Object.values(score.confusion).reduce((sum, row) => sum + (row.BLA ?? 0), 0);
      return [
        card.id,
        `BCCD end to end, ${bccdScales[0].name} (${score.frames} one-leukocyte frames, 4 subtypes, none a blast; located ${score.located})`,
        mode,
        fmt(score.balancedAccuracy),
        '-',
        `${recalls(score.perClass)}; called BLA: ${blasts} of ${score.frames}`,
      ];
    });
  }
}

for (const { path, card } of cards.filter(({ card }) => card.scheme === 'bone-marrow-21')) {
  for (const mode of modes) {
    jobs.push(async () => {
      log(`PBC cells as marrow classes: ${card.id}, stain normalization ${mode}`);
      const result = await runEval([
        'eval',
        '../shared/data/pbc-8',
        '--list',
        'models/train/holdout-pbc-8.txt',
        '--model',
        path,
        '--classes',
        PBC_AS_MARROW,
        '--microns-per-pixel',
        PBC_MICRONS_PER_PIXEL,
        '--stain-normalization',
        mode,
        '--backend',
        BACKEND,
      ]);
      const present = Object.fromEntries(Object.entries(result.perClass).filter(([, m]) => m.support > 0));
      const mean = Object.values(present).reduce((a, m) => a + m.recall, 0) / Object.keys(present).length;
      return [card.id, `PBC held-out cells, mapped (${result.images} cells; ig as PMO)`, mode, fmt(mean), '-', recalls(present)];
    });
  }
}
const rows = await runLimited(jobs, CONCURRENT_RUNS);

const table = [
  `Measured by \`npm run validate\` (${BACKEND} backend, ${new Date().toISOString().slice(0, 10)}). Balanced accuracy = mean recall`,
  'over the classes present. Every figure is the SDK end to end: its JPEG decoding, WASM kernels, ONNX Runtime.',
  '',
  '| model | evaluated on | stain normalization | balanced accuracy | AUC P_blast | recall per class |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const readme = readFileSync(README, 'utf8');
const start = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`${README} lacks the ${BEGIN} ... ${END} markers`);
writeFileSync(README, readme.slice(0, start + BEGIN.length) + '\n' + table + '\n' + readme.slice(end));
// Aligned as the repository's formatter writes Markdown tables, so `npm run lint` stays green.
await execFileAsync('npx', ['biome', 'format', '--write', README]);
console.log(table);
