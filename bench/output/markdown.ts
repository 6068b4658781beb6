import type { BenchReport, BenchResult, FrameHandoff } from '../report-types.js';
import { formatNumber, formatPercent, formatSpread } from './format.js';

const HANDOFF_TEXT: Record<FrameHandoff, string> = {
  inbox: 'written into kernel memory',
  copied: 'copied twice',
  'file-copied': 'raw file read into a buffer, then copied into kernel memory (Frame; a WriterFrame whose frame travels on to a GPU)',
  'file-written': 'raw file read straight into kernel memory (WriterFrame)',
};

/** The report as Markdown: one table per suite, then the MatMul probes and what was skipped. */
export function reportMarkdown(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `## smearscope benchmark — ${report.host}, ${report.date}`,
    '',
    `${machine.cpu}, ${machine.cores} cores, ${formatNumber(machine.memoryGiB)} GiB` +
      `${machine.gpu ? `, WebGPU adapter: ${machine.gpu}` : ''}; ${[report.node ? `Node ${report.node}` : '', report.browser ?? ''].filter(Boolean).join(', ')}; ` +
      `${formatNumber(report.durationSeconds)} s.`,
  ];
  const bySuite = (suite: BenchResult['suite']) => report.results.filter((result) => result.suite === suite);
  const kernels = bySuite('kernels');
  if (kernels.length > 0) {
    lines.push('', '### kernels (one 2452 x 2056 frame, single thread)', '');
    lines.push(
      table(
        ['env', 'kernel', 'work', 'WASM ms', 'target ms', 'TS reference ms', 'speed-up'],
        kernels.flatMap((result) =>
          (result.kernels ?? []).map((kernel) => [
            result.env,
            kernel.kernel,
            kernel.work,
            formatSpread(kernel.wasmMs),
            `≤ ${formatNumber(kernel.targetMs)}`,
            formatSpread(kernel.referenceMs),
            `${formatNumber(kernel.speedup)}x`,
          ]),
        ),
      ),
    );
  }
  const preprocess = bySuite('pipeline').filter((result) => result.preprocessOnly);
  if (preprocess.length > 0) {
    lines.push(
      '',
      '### preprocessing only (one core, no model; beside the NumPy/SciPy peer of the same stages, same frames, same run)',
      '',
    );
    lines.push(
      table(
        [
          ...ROW_HEAD,
          'patches on',
          'frame handoff',
          'pixels',
          'cells/s per core',
          'ms/frame handoff / fit / scale + locate (scale check) / patches',
          'NumPy peer cells/s per core',
          'peer ms/frame fit / locate / patches',
          'vs peer',
        ],
        preprocess.map((result) => [
          ...rowHead(result),
          result.patchesOn === 'gpu' ? 'gpu (CPU stages left)' : (result.patchesOn ?? '-'),
          result.frameHandoff ? HANDOFF_TEXT[result.frameHandoff] : '-',
          result.frameChannels === 3 ? 'RGB8' : result.frameChannels === 4 ? 'RGBA8' : '-',
          formatSpread(result.cellsPerSecondSpread),
          preprocessStages(result.stageMs),
          result.peer ? `${formatSpread(result.peer.cellsPerSecond)} (${result.peer.cells} cells)` : '-',
          result.peer ? stageList(result.peer.stageMs, ['stainFit', 'localize', 'patches']) : '-',
          result.relativeToPeer === undefined ? '-' : `${formatNumber(result.relativeToPeer)}x`,
        ]),
      ),
    );
  }
  const pipeline = bySuite('pipeline').filter((result) => !result.preprocessOnly);
  if (pipeline.length > 0) {
    lines.push('', '### pipeline (end to end vs bare sessions of the same layout, same run)', '');
    lines.push(
      table(
        [
          ...ROW_HEAD,
          'batch',
          'patches on',
          'cells/s end to end',
          'cells/s bare',
          'efficiency',
          'pass by pass',
          'CPU x busy ratio',
          'frames/s',
          'frame latency p50 / p95 ms',
          'stage ms/frame fit / locate / patches / inference / post',
          'workers + sessions x threads',
          'peak MiB',
        ],
        pipeline.map((result) => [
          ...rowHead(result),
          String(result.batch),
          result.patchesOn ?? '-',
          formatSpread(result.cellsPerSecondSpread),
          formatSpread(result.bareCellsPerSecond),
          formatNumber(result.efficiency),
          formatSpread(result.pairedEfficiency),
          accountCell(result.cpuAccount),
          formatNumber(result.framesPerSecond),
          `${formatNumber(result.p50Ms)} / ${formatNumber(result.p95Ms)}`,
          stages(result),
          `${result.workers ?? '-'} + ${result.inferenceSessions ?? 1} x ${result.threads ?? '-'}`,
          formatNumber(result.peakMemoryMiB),
        ]),
      ),
    );
  }
  const models = bySuite('models');
  if (models.length > 0) {
    lines.push('', '### models (bare session; limit = achieved FLOP/s over the best MatMul rate of the same backend)', '');
    lines.push(
      table(
        [
          'env',
          'backend',
          'model',
          'batch',
          'cells/s',
          'ms/batch p50 / p95',
          'session ms',
          'GFLOP/s',
          'MatMul GFLOP/s (best)',
          'limit',
          'peak MiB',
        ],
        models.map((result) => [
          result.env,
          result.backend,
          result.dtype === 'fp16' ? `${result.model} (fp16)` : result.model,
          String(result.batch),
          formatSpread(result.cellsPerSecondSpread),
          `${formatNumber(result.p50Ms)} / ${formatNumber(result.p95Ms)}`,
          formatNumber(result.sessionMs),
          formatNumber(result.flopsPerSecond === undefined ? undefined : result.flopsPerSecond / 1e9),
          formatNumber(result.matmulFlopsPerSecond === undefined ? undefined : result.matmulFlopsPerSecond / 1e9),
          formatPercent(result.limitFraction),
          formatNumber(result.peakMemoryMiB),
        ]),
      ),
    );
  }
  const cluster = bySuite('cluster');
  if (cluster.length > 0) {
    lines.push('', '### cluster (one slide through BullMQ + Redis vs analyze in one process, same run)', '');
    lines.push(
      table(
        ['setup', 'input', 'frames/s', 'cells/s', 'vs analyze', 'queue overhead ms/frame'],
        cluster.map((result) => [
          result.workerProcesses
            ? `${result.workerProcesses} worker process(es)${result.queueOverheadMs !== undefined ? ', 1 job at a time' : ''}`
            : 'analyze, one process',
          `${result.input ?? '-'} (${result.cells ?? '-'} cells)`,
          formatNumber(result.framesPerSecond),
          formatSpread(result.cellsPerSecondSpread),
          result.relativeToAnalyze === undefined ? '1' : formatNumber(result.relativeToAnalyze),
          formatNumber(result.queueOverheadMs),
        ]),
      ),
    );
  }
  if (report.matmul.length > 0) {
    lines.push('', '### MatMul probes (the matrix rate each backend reaches here)', '');
    lines.push(
      table(
        ['env', 'backend', 'graph', 'GFLOP/s'],
        report.matmul.map((probe) => [probe.env, probe.backend, probe.graph, formatSpread(probe.flopsPerSecond, 1e-9)]),
      ),
    );
  }
  // Every row names its runtime and threads; one line per distinct combination keeps the tables narrow.
  const runtimes = [
    ...new Set(report.results.map((result) => `${result.env} ${result.backend}: ${result.runtime}, ${result.threads} thread(s)`)),
  ];
  lines.push('', '### runtimes', '', ...runtimes.map((runtime) => `- ${runtime}`));
  const labels = [...new Set(report.results.flatMap((result) => (result.notes ?? []).filter((note) => /software|not a GPU/.test(note))))];
  lines.push('', '### notes', '', ...report.notes.map((note) => `- ${note}`), ...labels.map((note) => `- ${note}`));
  if (report.skipped.length > 0) lines.push('', '### skipped', '', ...report.skipped.map((reason) => `- ${reason}`));
  return lines.join('\n') + '\n';
}

/** The first columns of a pipeline row: where it ran, the model and its input. */
const ROW_HEAD = ['env', 'backend', 'model', 'input'];

function rowHead(result: BenchResult): string[] {
  return [result.env, result.backend, result.model, `${result.frames ?? '-'} x ${result.input ?? '-'} (${result.cells ?? '-'} cells)`];
}

/** "cpu ratio x busy ratio (CPU ms/frame vs bare)", medians, or '-' where CPU time was not read (a page). */
function accountCell(account: BenchResult['cpuAccount']): string {
  if (!account) return '-';
  const ratios = `${account.cpuRatio.median.toFixed(3)} x ${account.busyRatio.median.toFixed(3)}`;
  return `${ratios} (${formatNumber(account.pipelineCpuMsPerFrame)} vs ${formatNumber(account.bareCpuMsPerFrame)} CPU ms/frame)`;
}

function stages(result: BenchResult): string {
  return stageList(result.stageMs, ['stainFit', 'localize', 'patches', 'inference', 'postprocess']);
}

/** The named stages' milliseconds, '/'-separated ('-' for a stage not measured). */
/** handoff / fit / scale + locate (of it the scale check) / patches; results written before the
 * scale check was timed apart show '-' for it. */
function preprocessStages(stageMs: Record<string, number> | undefined): string {
  const stage = stageMs ?? {};
  const locate = `${formatNumber(stage.localize)} (${formatNumber(stage.scaleCheck)})`;
  return [formatNumber(stage.handoff), formatNumber(stage.stainFit), locate, formatNumber(stage.patches)].join(' / ');
}

function stageList(stageMs: Record<string, number> | undefined, names: readonly string[]): string {
  const stage = stageMs ?? {};
  return names.map((name) => formatNumber(stage[name])).join(' / ');
}

function table(header: string[], rows: string[][]): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(escapeCell).join(' | ')} |`).join('\n');
}
