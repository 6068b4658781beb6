import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportMarkdown } from '../../bench/output/markdown.js';
import { reportSvg } from '../../bench/output/svg-chart.js';
import type { BenchReport } from '../../bench/report-types.js';
import schema from '../../bench/results.schema.json';
import { checkAgainstSchema } from '../../bench/schema-check.js';
import { KERNELS_RUNTIME } from '../../bench/suites/suite-output.js';
import { shippedModelCard } from '../support/test-model.js';

const run = promisify(execFile);

// A real, small run of every suite in Node (one mosaic frame, one timed run each, the shipped
// model on wasm at batch 8): its --json output must meet bench/results.schema.json and carry the
// figures the contract promises.
describe('npm run bench -- all --json (small, Node)', () => {
  let report: BenchReport;
  let outDir: string;
  const model = shippedModelCard().replace(/^models\/|\.json$/g, '');

  beforeAll(async () => {
    if (!existsSync('dist/node/bench.js')) throw new Error('dist/node/bench.js is missing: run npm run build first');
    outDir = mkdtempSync(join(tmpdir(), 'smearscope-bench-'));
    const args = [
      'dist/node/bench.js',
      'all',
      '--env',
      'node',
      '--backend',
      'wasm',
      '--model',
      model,
      '--batch',
      '8',
      '--frames',
      '1',
      '--repeats',
      '1',
      '--json',
      '--out',
      outDir,
    ];
    const { stdout } = await run('node', args, { maxBuffer: 64 * 2 ** 20, timeout: 240_000 });
    report = JSON.parse(stdout) as BenchReport;
  }, 300_000);

  it('validates against the schema', () => {
    expect(checkAgainstSchema(report, schema)).toEqual([]);
  });

  it('has every suite with the figures of the contract', () => {
    const suites = (name: string) => report.results.filter((result) => result.suite === name);
    const kernels = suites('kernels');
    expect(kernels).toHaveLength(1);
    expect(kernels[0].kernels!.map((kernel) => kernel.kernel).sort()).toEqual(['localize', 'normalize', 'patch', 'patchPlain', 'stainFit']);
    for (const kernel of kernels[0].kernels!) {
      expect(kernel.wasmMs.median).toBeGreaterThan(0);
      expect(kernel.speedup).toBeCloseTo(kernel.referenceMs.median / kernel.wasmMs.median, 6);
    }
    const pipeline = suites('pipeline').filter((result) => !result.preprocessOnly);
    expect(pipeline.length).toBeGreaterThanOrEqual(1);
    for (const result of pipeline) {
      expect(result).toMatchObject({ env: 'node', backend: 'wasm', model, batch: 8 });
      expect(result.cells).toBeGreaterThan(0);
      expect(result.efficiency).toBeCloseTo(result.cellsPerSecond / result.bareCellsPerSecond!.median, 6);
      // One timed pass: its pair is the whole run, so the pass-by-pass figure is the efficiency.
      expect(result.pairedEfficiency).toMatchObject({ runs: 1 });
      expect(result.pairedEfficiency!.median).toBeCloseTo(result.efficiency!, 6);
      // Node reads the process's CPU time: the one pass's efficiency splits exactly into CPU and busy ratios.
      const account = result.cpuAccount!;
      expect(account.cores).toBeGreaterThanOrEqual(1);
      expect(account.cpuRatio.median * account.busyRatio.median).toBeCloseTo(result.pairedEfficiency!.median, 6);
      for (const busy of [account.pipelineCoresBusy, account.bareCoresBusy]) expect(busy).toBeGreaterThan(0);
      expect(account.pipelineCpuMsPerFrame).toBeGreaterThan(0);
      expect(result.stageMs!.inference).toBeGreaterThan(0);
      expect(result.p95Ms!).toBeGreaterThanOrEqual(result.p50Ms!);
    }
    // Preprocessing only, beside the NumPy/SciPy peer on the same frame (counts, not speeds).
    // In Node the pool writes frames into the workers' shared kernel memory: that row has the peer,
    // and the copying path (as where memory cannot be shared) has a row of its own, same run, as do
    // the same RGBA8 mosaic frames as RGB8 (what Node's decoder gives): the same cells; and the frames
    // read from raw files, into the source's buffer then copied (a Frame), or straight into kernel
    // memory (a WriterFrame): the same cells again.
    const cpuRows = suites('pipeline').filter((result) => result.preprocessOnly && result.patchesOn === 'cpu');
    expect(cpuRows.map((result) => [result.frameHandoff, result.frameChannels])).toEqual([
      ['inbox', 4],
      ['copied', 4],
      ['inbox', 3],
      ['file-copied', 4],
      ['file-written', 4],
    ]);
    for (const row of cpuRows.slice(1)) {
      expect(row).toMatchObject({ model, threads: 1, frames: 1, cells: cpuRows[0].cells });
      expect(row.peer).toBeUndefined();
    }
    const preprocess = cpuRows.slice(0, 1);
    expect(preprocess[0]).toMatchObject({ env: 'node', backend: 'wasm', model, threads: 1, frames: 1 });
    expect(Object.keys(preprocess[0].stageMs!).sort()).toEqual(['handoff', 'localize', 'patches', 'scaleCheck', 'stainFit']);
    // The scale check is part of localize, timed apart.
    expect(preprocess[0].stageMs!.scaleCheck).toBeGreaterThan(0);
    expect(preprocess[0].stageMs!.scaleCheck).toBeLessThan(preprocess[0].stageMs!.localize);
    expect(preprocess[0].cells).toBeGreaterThan(15); // a mosaic frame holds 24 cells
    const peer = preprocess[0].peer!;
    expect(peer.runtime).toMatch(/^NumPy .*, SciPy .*, Python /);
    expect(Math.abs(peer.cells - preprocess[0].cells!)).toBeLessThanOrEqual(3);
    expect(Object.keys(peer.stageMs).sort()).toEqual(['localize', 'patches', 'stainFit']);
    expect(preprocess[0].relativeToPeer).toBeCloseTo(preprocess[0].cellsPerSecond / peer.cellsPerSecond.median, 6);
    // Beside it, the CPU stages left when a GPU cuts the patches: the same cells, no peer.
    const deferred = suites('pipeline').filter((result) => result.preprocessOnly && result.patchesOn === 'gpu');
    // ... and the same with each frame read from its raw file by a WriterFrame (into a transfer buffer).
    expect(deferred.map((result) => result.frameHandoff)).toEqual(['copied', 'file-copied']);
    expect(deferred[1]).toMatchObject({ model, threads: 1, frames: 1, cells: preprocess[0].cells });
    expect(deferred[0]).toMatchObject({
      env: 'node',
      backend: 'wasm',
      model,
      threads: 1,
      frames: 1,
      cells: preprocess[0].cells,
      frameHandoff: 'copied',
    });
    expect(deferred[0].peer).toBeUndefined();
    for (const result of pipeline) expect(result.patchesOn).toBe('cpu');
    const models = suites('models');
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ backend: 'wasm', model, batch: 8 });
    const matmul = report.matmul.find((probe) => probe.env === 'node' && probe.backend === 'wasm')!;
    expect(models[0].limitFraction).toBeCloseTo((models[0].flopsPerCell! * models[0].cellsPerSecond) / matmul.flopsPerSecond.max, 6);
  });

  it('names the runtime, backend and threads in every row', () => {
    const version = JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8')).version as string;
    for (const result of report.results) {
      expect(result.backend).toBe('wasm');
      expect(Number.isInteger(result.threads) && result.threads >= 1).toBe(true);
      if (result.suite === 'kernels' || result.preprocessOnly) {
        expect(result.runtime).toBe(KERNELS_RUNTIME);
        expect(result.threads).toBe(1);
      } else {
        // Node's wasm backend is onnxruntime-web's Node build, at the installed version.
        expect(result.runtime).toBe(`onnxruntime-web ${version}`);
      }
    }
    expect(reportMarkdown(report)).toContain(`- node wasm: onnxruntime-web ${version}, `);
  });

  it('writes the same report and a chart to <out>/<host>-<date>.json / .svg', () => {
    const files = readdirSync(outDir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^.+-\d{4}-\d{2}-\d{2}T\d{6}Z\.json$/);
    expect(files[1]).toBe(files[0].replace(/\.json$/, '.svg'));
    expect(JSON.parse(readFileSync(join(outDir, files[0]), 'utf8'))).toEqual(report);
    expect(readFileSync(join(outDir, files[1]), 'utf8')).toBe(reportSvg(report));
  });

  it('prints every result in the Markdown table', () => {
    const markdown = reportMarkdown(report);
    for (const result of report.results.filter((r) => r.suite !== 'kernels')) {
      expect(markdown).toContain(`| ${result.env} | ${result.backend} | ${result.model} |`);
    }
  });

  it('the checker catches what breaks the contract', () => {
    const broken = structuredClone(report) as unknown as { results: Array<Record<string, unknown>>; machine: Record<string, unknown> };
    delete broken.results[0].cellsPerSecond;
    delete broken.results[0].runtime;
    broken.results[1].env = 'firefox';
    broken.results[1].surprise = 1;
    broken.machine.cores = 1.5;
    const errors = checkAgainstSchema(JSON.parse(JSON.stringify({ ...broken, date: 'yesterday' })), schema);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/results\/0: missing required property "cellsPerSecond"/),
        expect.stringMatching(/^\/results\/0: missing required property "runtime"/),
        expect.stringMatching(/^\/results\/1\/env: expected one of/),
        expect.stringMatching(/^\/results\/1: unexpected property "surprise"/),
        expect.stringMatching(/^\/machine\/cores: expected integer/),
        expect.stringMatching(/^\/date: .* does not match/),
      ]),
    );
    // NaN becomes null in JSON: a figure that was never measured cannot pass as a number.
    const withNaN = JSON.parse(JSON.stringify({ ...report, results: [{ ...report.results[0], cellsPerSecond: Number.NaN }] }));
    expect(checkAgainstSchema(withNaN, schema)).toEqual(['/results/0/cellsPerSecond: expected number, got null']);
  });
});
