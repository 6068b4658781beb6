// `node dist/node/localization-quality.js [--data <dir>] [--json]`: measures localization quality
// (bench/localization-quality.ts) and prints it beside the floors, or as JSON.

import { measureLocalization, type LocalizationQuality } from './localization-quality.js';
import { SCALE_MODES, type SourceQuality } from './localization-sources.js';

/** Issue 3's floors (issue 12's for every source of txl-pbc-dev at the automatic scale). */
const FLOORS = { bccdRecall: 0.95, bccdPrecision: 0.9, mosaicRecall: 0.97, mosaicCentreErrorPercent: 5 } as const;

const args = process.argv.slice(2);
const dataIndex = args.indexOf('--data');
const started = performance.now();
const quality = await measureLocalization({ dataDir: dataIndex >= 0 ? args[dataIndex + 1] : undefined });
if (args.includes('--json')) {
  console.log(JSON.stringify(quality, null, 2));
} else {
  console.log(formatQuality(quality, performance.now() - started));
}

function formatQuality({ bccd, mosaics, sources }: LocalizationQuality, elapsedMs: number): string {
  const mark = (ok: boolean) => (ok ? 'ok' : 'BELOW FLOOR');
  const scale = bccd.estimatedScale;
  const rows: Array<[string, string, string, string]> = [
    ['BCCD WBC recall', bccd.recall.toFixed(3), `>= ${FLOORS.bccdRecall}`, mark(bccd.recall >= FLOORS.bccdRecall)],
    ['BCCD WBC precision', bccd.precision.toFixed(3), `>= ${FLOORS.bccdPrecision}`, mark(bccd.precision >= FLOORS.bccdPrecision)],
    [
      'BCCD recall, per-frame scale',
      bccd.withEstimatedScale.recall.toFixed(3),
      `>= ${FLOORS.bccdRecall}`,
      mark(bccd.withEstimatedScale.recall >= FLOORS.bccdRecall),
    ],
    [
      'BCCD precision, per-frame scale',
      bccd.withEstimatedScale.precision.toFixed(3),
      `>= ${FLOORS.bccdPrecision}`,
      mark(bccd.withEstimatedScale.precision >= FLOORS.bccdPrecision),
    ],
    ['mosaic recall', mosaics.recall.toFixed(3), `>= ${FLOORS.mosaicRecall}`, mark(mosaics.recall >= FLOORS.mosaicRecall)],
    [
      'mosaic centre error median',
      `${mosaics.centreErrorMedianPercent.toFixed(1)} %`,
      `<= ${FLOORS.mosaicCentreErrorPercent} %`,
      mark(mosaics.centreErrorMedianPercent <= FLOORS.mosaicCentreErrorPercent),
    ],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  return [
    `localization quality (${(elapsedMs / 1000).toFixed(1)} s)`,
    ...rows.map((row) => `  ${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}`),
    `BCCD: ${bccd.frames} frames at ${bccd.micronsPerPixel} um/px, ${bccd.boxes} WBC boxes: ${bccd.truePositives} TP, ` +
      `${bccd.falsePositives} FP, ${bccd.falseNegatives} FN; ${bccd.fitFailures} frames without a stain fit`,
    `BCCD per-frame scale estimates: median ${scale.median.toFixed(3)} um/px, IQR ${scale.lowerQuartile.toFixed(3)}-` +
      `${scale.upperQuartile.toFixed(3)} (${scale.frames} frames, ${scale.refused} refused); erythrocyte diameter median ` +
      `${bccd.erythrocyteDiameterPx.estimated.toFixed(1)} px estimated, ${bccd.erythrocyteDiameterPx.annotated.toFixed(1)} px annotated (RBC boxes)`,
    `mosaics: ${mosaics.frames} frames, ${mosaics.found} of ${mosaics.cells} cells found, ${mosaics.extraCells} extra`,
    ...sources.flatMap(formatSource),
  ].join('\n');
}

/** One source of txl-pbc-dev: a line per scale mode, all frames and each half (even | odd). */
function formatSource(source: SourceQuality): string[] {
  const hits = (h: { recall: number; precision: number }) => `R ${h.recall.toFixed(3)} P ${h.precision.toFixed(3)}`;
  const ratio = source.frameScaleRatio;
  return [
    `txl-pbc-dev/${source.source}: ${source.frames} frames, ${source.boxes} WBC boxes, ${source.fitFailures} without a stain fit; ` +
      `true scale ${source.truthMicronsPerPixel.toFixed(4)} um/px (annotated RBCs), run calibration ${source.runMicronsPerPixel.toFixed(4)}; ` +
      `per-frame estimate / truth: median ${ratio.median.toFixed(3)}, IQR ${ratio.lowerQuartile.toFixed(3)}-${ratio.upperQuartile.toFixed(3)} ` +
      `(${ratio.estimates} estimates, ${ratio.confident} confident)`,
    ...SCALE_MODES.map((mode) => {
      const m = source.modes[mode];
      const floor =
        mode === 'auto'
          ? m.recall >= FLOORS.bccdRecall && m.precision >= FLOORS.bccdPrecision && m.refused === 0
            ? '  ok'
            : '  BELOW FLOOR'
          : '';
      return (
        `  ${mode.padEnd(5)}  ${hits(m)}  (TP ${m.truePositives}, FP ${m.falsePositives}, FN ${m.falseNegatives}, ${m.refused} refused)` +
        `  halves ${hits(m.halves[0])} | ${hits(m.halves[1])}${floor}`
      );
    }),
  ];
}
