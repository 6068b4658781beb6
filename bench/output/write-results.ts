import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport } from '../report-types.js';
import { reportSvg } from './svg-chart.js';

/**
 * Writes `<host>-<date>.json` (the full report) and the chart beside it as `.svg` into `outDir`;
 * the date is the run's start to the second (UTC), so runs never overwrite each other. Returns both paths.
 */
export async function writeReportFiles(report: BenchReport, outDir: string): Promise<{ json: string; svg: string }> {
  const host = report.host.replace(/[^A-Za-z0-9._-]+/g, '_');
  const stamp = report.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '');
  const base = join(outDir, `${host}-${stamp}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${base}.svg`, reportSvg(report));
  return { json: `${base}.json`, svg: `${base}.svg` };
}
