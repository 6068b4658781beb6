import type { BenchReport, BenchResult } from '../report-types.js';
import { formatNumber } from './format.js';

const WIDTH = 1000;
const LABEL_WIDTH = 300;
const BAR_AREA = 500;
const ROW = 18;
const BAR = 13;
const STAGES = ['stainFit', 'localize', 'patches', 'inference', 'postprocess'] as const;
const STAGE_COLOURS = ['#8e6bbf', '#d9822b', '#3c9d5d', '#3a6ea5', '#b8b8b8'];
const BACKEND_COLOURS: Record<string, string> = { wasm: '#3a6ea5', native: '#3c9d5d', webgpu: '#c0504d' };

/**
 * A chart a person can read: cells/s by backend and batch per model (log scale: models differ
 * 100-fold), the pipeline's per-frame stage breakdown, and the kernels against their references.
 */
export function reportSvg(report: BenchReport): string {
  const parts: string[] = [];
  let y = 28;
  parts.push(
    text(
      12,
      y,
      `smearscope benchmark — ${report.host}, ${report.date.slice(0, 16)} — ${report.machine.cpu}, ${report.machine.cores} cores`,
      15,
      'bold',
    ),
  );
  y += 12;

  const models = report.results.filter((result) => result.suite === 'models');
  if (models.length > 0) {
    y += 26;
    parts.push(text(12, y, 'models: cells/s by backend and batch (bare session, log scale)', 13, 'bold'));
    y += 8;
    const max = Math.max(...models.map((result) => result.cellsPerSecond));
    const min = Math.max(1e-3, Math.min(...models.map((result) => result.cellsPerSecond)));
    const scale = logScale(min / 2, max * 1.5);
    for (const model of unique(models.map((result) => result.model))) {
      y += ROW;
      parts.push(text(12, y, model, 12, 'bold'));
      for (const result of models.filter((r) => r.model === model)) {
        y += ROW;
        const width = scale(result.cellsPerSecond);
        parts.push(text(24, y, `${result.env} ${result.backend}, batch ${result.batch}`, 11));
        parts.push(rect(LABEL_WIDTH, y - BAR + 2, width, BAR, BACKEND_COLOURS[result.backend] ?? '#777'));
        parts.push(
          text(
            LABEL_WIDTH + width + 6,
            y,
            `${formatNumber(result.cellsPerSecond)} cells/s${result.limitFraction !== undefined ? `, ${(result.limitFraction * 100).toFixed(0)} % of MatMul` : ''}`,
            11,
          ),
        );
      }
    }
  }

  const pipeline = report.results.filter((result) => result.suite === 'pipeline' && result.stageMs);
  if (pipeline.length > 0) {
    y += 36;
    parts.push(
      text(12, y, "pipeline: where a frame's time goes, by stage (share of the frame; inference = its share of the batches)", 13, 'bold'),
    );
    y += 4;
    STAGES.forEach((stage, i) => {
      parts.push(rect(LABEL_WIDTH + i * 110, y + 6, 12, 10, STAGE_COLOURS[i]));
      parts.push(text(LABEL_WIDTH + i * 110 + 16, y + 15, stage, 11));
    });
    y += 16;
    const frameMs = (result: BenchResult) => STAGES.reduce((sum, stage) => sum + (result.stageMs?.[stage] ?? 0), 0);
    for (const result of pipeline) {
      // Each bar is its own frame's total: models differ 100-fold, so one scale would hide the small ones.
      const total = frameMs(result) || 1;
      y += ROW + 2;
      parts.push(text(12, y, `${result.env} ${result.backend} ${result.model} b${result.batch} (${result.input ?? ''})`, 11));
      let x = LABEL_WIDTH;
      STAGES.forEach((stage, i) => {
        const width = ((result.stageMs?.[stage] ?? 0) / total) * BAR_AREA;
        parts.push(rect(x, y - BAR + 2, width, BAR, STAGE_COLOURS[i]));
        x += width;
      });
      parts.push(text(x + 6, y, `${formatNumber(total)} ms/frame, efficiency ${formatNumber(result.efficiency)}`, 11));
    }
  }

  const kernels = report.results
    .filter((result) => result.suite === 'kernels')
    .flatMap((result) => (result.kernels ?? []).map((kernel) => ({ env: result.env, ...kernel })));
  if (kernels.length > 0) {
    y += 36;
    parts.push(text(12, y, 'kernels: WASM (blue) vs TypeScript reference (grey), ms per call, log scale', 13, 'bold'));
    const all = kernels.flatMap((kernel) => [kernel.wasmMs.median, kernel.referenceMs.median]);
    const scale = logScale(Math.min(...all) / 2, Math.max(...all) * 1.5);
    for (const kernel of kernels) {
      y += ROW + 4;
      const referenceMs = kernel.referenceMs.median;
      parts.push(text(12, y, `${kernel.env} ${kernel.kernel} (${kernel.speedup.toFixed(1)}x)`, 11));
      parts.push(rect(LABEL_WIDTH, y - BAR + 2, scale(kernel.wasmMs.median), BAR / 2, '#3a6ea5'));
      parts.push(rect(LABEL_WIDTH, y - BAR / 2 + 2, scale(referenceMs), BAR / 2, '#b8b8b8'));
      parts.push(
        text(LABEL_WIDTH + scale(referenceMs) + 6, y, `${formatNumber(kernel.wasmMs.median)} vs ${formatNumber(referenceMs)} ms`, 11),
      );
    }
  }
  const height = y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Maps [low, high] logarithmically onto [2, BAR_AREA] pixels. */
function logScale(low: number, high: number): (value: number) => number {
  const span = Math.log(high / low) || 1;
  return (value) => Math.max(2, (Math.log(Math.max(value, low) / low) / span) * BAR_AREA);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function rect(x: number, y: number, width: number, height: number, fill: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, width).toFixed(1)}" height="${height}" fill="${fill}"/>`;
}

function text(x: number, y: number, content: string, size: number, weight = 'normal'): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}" fill="#222">${escaped}</text>`;
}
