// `npm run bench -- <suite> [options]`: the benchmark harness in Node (and, through puppeteer, in
// headless Chromium). Bundled to dist/node/bench.js; run from the package root.
import { hostname } from 'node:os';
import { SmearscopeError } from '../src/errors.js';
import type { BackendName } from '../src/inference/backend.js';
import { assembleReport } from './assemble-report.js';
import { runChromiumSuites } from './browser/run-chromium.js';
import { writePageInputs } from './browser/write-page-inputs.js';
import { BENCH_USAGE, parseBenchArgs, type BenchCommand } from './cli-options.js';
import { nodeMachine } from './machine.js';
import { prepareNodeInputs } from './node-inputs.js';
import { nodeHost } from './node-host.js';
import { reportMarkdown } from './output/markdown.js';
import { writeReportFiles } from './output/write-results.js';
import { runSuites } from './run-suites.js';
import { checkAgainstSchema } from './schema-check.js';
import schema from './results.schema.json';
import { runClusterSuite } from './suites/cluster.js';
import { reasonOf, type SuiteOutput } from './suites/suite-output.js';

/** wasm first, as in the page; native is onnxruntime-node. */
const NODE_BACKENDS: BackendName[] = ['wasm', 'native'];

/**
 * In Node, webgpu is onnxruntime-node's WebGPU EP, measured only when asked for (`--backend webgpu`):
 * its adapter cannot be queried, so it is named after the Vulkan driver the loader was pointed at.
 */
function nodeWebGpuAdapter(): string {
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  return icd ? `Vulkan driver ${icd.split('/').pop()}` : 'system Vulkan driver (onnxruntime-node WebGPU EP)';
}

async function main(argv: string[]): Promise<number> {
  const command = parseBenchArgs(argv);
  if (command.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const { settings } = command;
  const startedAt = new Date();
  const host = nodeHost;
  if (settings.suites.includes('cluster')) {
    // Node only, and it reads its own frames: no mosaics to prepare.
    return finish(argv, command, startedAt, [await runClusterSuite(host, settings)]);
  }
  const inputs = await prepareNodeInputs(host, settings);
  if (command.prepareOnly) {
    await writePageInputs(inputs);
    host.log('wrote build/bench/inputs.json and its frames: serve the package (smearscope serve) and open /bench/index.html');
    return 0;
  }

  const outputs: SuiteOutput[] = [];
  let browser: string | undefined;
  let gpu: string | undefined;
  if (settings.envs.includes('node')) {
    const webgpu = settings.backends?.includes('webgpu') ?? false;
    const backends: BackendName[] = webgpu ? [...NODE_BACKENDS, 'webgpu'] : NODE_BACKENDS;
    outputs.push(await runSuites(host, settings, inputs, backends, webgpu ? nodeWebGpuAdapter() : undefined));
  }
  if (settings.envs.includes('chromium')) {
    try {
      const run = await runChromiumSuites(host, settings, inputs, command.gpu);
      outputs.push(run.output);
      browser = run.browser;
      gpu = run.gpu;
    } catch (error) {
      host.log(`chromium: ${reasonOf(error)}`);
      outputs.push({ results: [], matmul: [], skipped: [`chromium: ${reasonOf(error)}`] });
    }
  }

  return finish(argv, command, startedAt, outputs, browser, gpu);
}

/** Assembles the report, checks it against the schema, writes it and prints it; returns the exit code. */
async function finish(argv: string[], command: BenchCommand, startedAt: Date, outputs: SuiteOutput[], browser?: string, gpu?: string): Promise<number> {
  const report = assembleReport({
    machine: { ...nodeMachine(), ...(gpu ? { gpu } : {}) },
    date: startedAt.toISOString(),
    host: hostname(),
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    node: process.versions.node,
    ...(browser ? { browser } : {}),
    outputs,
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  });
  // The report must meet its own contract before anyone reads it.
  const problems = checkAgainstSchema(JSON.parse(JSON.stringify(report)), schema);
  if (problems.length > 0) {
    process.stderr.write(`bench: the report does not match bench/results.schema.json:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  const files = await writeReportFiles(report, command.outDir);
  nodeHost.log(`wrote ${files.json} and ${files.svg}`);
  process.stdout.write(command.json ? `${JSON.stringify(report)}\n` : reportMarkdown(report));
  return 0;
}

// Exit explicitly once stdout is flushed: ONNX Runtime's WASM thread pool would keep Node alive.
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    const code = error instanceof SmearscopeError ? error.code : 'ERROR';
    process.stderr.write(`bench: ${code}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n\n${BENCH_USAGE}\n`);
    process.stdout.write('', () => process.exit(1));
  },
);
