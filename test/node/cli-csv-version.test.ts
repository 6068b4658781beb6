import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { reportToCsv, type AnalyzeReport } from '../../src/cli/report.js';

const run = promisify(execFile);

function report(frames: AnalyzeReport['frames']): AnalyzeReport {
  return {
    smearscope: { version: '0', disclaimer: '' },
    model: { id: 'm', version: '1', card: 'c', scheme: 's', classes: ['BLA', 'LYT'], patchMicrons: 20, provenance: {} as never },
    backend: { name: 'wasm', reason: '', notes: [], events: [], batchSize: 8, workers: 1 },
    frames,
    differential: null,
  };
}

const timings = { total: 1 } as AnalyzeReport['frames'][number]['timingsMs'];

describe('CLI CSV and --version', () => {
  it('CSV rows carry the scale and its source, flags, warnings and the error', () => {
    const csv = reportToCsv(
      report([
        {
          file: 'a.jpg',
          width: 10,
          height: 10,
          micronsPerPixel: 0.08,
          scaleSource: 'frame',
          scaleEstimated: true,
          skippedAtBorder: 1,
          stainNormalized: false,
          stainNote: 'too few stained pixels, not normalized',
          timingsMs: timings,
          cells: [
            {
              x: 1,
              y: 2,
              box: [0, 0, 4, 4],
              ratio: 0.5,
              crossesBorder: true,
              class: 'BLA',
              probs: { BLA: 0.9, LYT: 0.1 },
              confidence: 0.9,
              abstained: true,
              abstainReason: 'low confidence',
              pBlast: 0.9,
              pAtypical: 0,
              blastFlag: true,
              atypicalFlag: false,
            },
          ],
        },
        {
          file: 'b.png',
          width: 0,
          height: 0,
          scaleEstimated: false,
          skippedAtBorder: 0,
          stainNormalized: false,
          timingsMs: timings,
          cells: [],
          error: { code: 'FRAME_TOO_LARGE', message: 'b.png: 2500 MP, over the limit' },
        },
        {
          file: 'c.png',
          width: 9,
          height: 9,
          micronsPerPixel: 0.075,
          scaleSource: 'given',
          scaleEstimated: false,
          skippedAtBorder: 0,
          stainNormalized: true,
          timingsMs: timings,
          cells: [],
        },
      ]),
    );
    const [header, cell, failed, empty] = csv
      .trim()
      .split('\n')
      .map((line) => line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
    const row = (values: string[]) => Object.fromEntries(header.map((name, i) => [name, values[i]]));
    expect(header).toEqual([
      'file',
      'micronsPerPixel',
      'scaleSource',
      'x',
      'y',
      'x0',
      'y0',
      'x1',
      'y1',
      'ratio',
      'class',
      'confidence',
      'abstained',
      'pBlast',
      'pAtypical',
      'blastFlag',
      'atypicalFlag',
      'p_BLA',
      'p_LYT',
      'warnings',
      'error',
    ]);
    expect(row(cell)).toMatchObject({
      micronsPerPixel: '0.08',
      scaleSource: 'frame',
      class: 'BLA',
      blastFlag: 'true',
      atypicalFlag: 'false',
      p_BLA: '0.9',
      warnings: '"too few stained pixels, not normalized; 1 cell(s) skipped at the border; low confidence; patch crosses the frame border"',
      error: '',
    });
    expect(row(failed)).toMatchObject({
      file: 'b.png',
      micronsPerPixel: '',
      scaleSource: '',
      error: '"FRAME_TOO_LARGE: b.png: 2500 MP, over the limit"',
    });
    expect(row(empty)).toMatchObject({ file: 'c.png', micronsPerPixel: '0.075', scaleSource: 'given', warnings: '', error: '' });
    for (const line of [cell, failed, empty]) expect(line).toHaveLength(header.length);
  });

  it('--version prints the package version', async () => {
    const { stdout } = await run('node', ['bin/smearscope.js', '--version']);
    expect(stdout.trim()).toBe(`smearscope ${JSON.parse(readFileSync('package.json', 'utf8')).version}`);
  });
});
