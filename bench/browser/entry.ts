// The browser benchmark, bundled to dist/bench/bench.js: the same suites as in Node, run in the
// page (bare sessions, kernels) and through the library's module workers (pipeline). The Node
// driver calls `smearscopeBench.runInPage` through puppeteer; bench/index.html calls it on a kiosk.
import type { BackendName } from '../../src/inference/backend.js';
import { assembleReport } from '../assemble-report.js';
import { reportMarkdown } from '../output/markdown.js';
import { reportSvg } from '../output/svg-chart.js';
import type { BenchReport } from '../report-types.js';
import { runSuites } from '../run-suites.js';
import { DEFAULT_SETTINGS, type BenchSettings } from '../settings.js';
import type { SuiteOutput } from '../suites/suite-output.js';
import { pageHost } from './page-host.js';
import { describeAdapter } from './webgpu-adapter.js';
import { loadPageInputs, PAGE_INPUTS_PATH } from './page-inputs.js';

export interface PageRun {
  output: SuiteOutput;
  /** The WebGPU adapter, when the browser has one. */
  gpu?: string;
  userAgent: string;
  cores: number;
  crossOriginIsolated: boolean;
}

/** Runs the selected suites here; `manifestUrl` locates the inputs (default: the package's build/bench/inputs.json). */
export async function runInPage(settings: BenchSettings, manifestUrl?: string, onLine?: (line: string) => void): Promise<PageRun> {
  const host = pageHost(onLine);
  const inputs = await loadPageInputs(manifestUrl ?? new URL(`../../${PAGE_INPUTS_PATH}`, import.meta.url));
  const gpu = await describeAdapter();
  // wasm first: ONNX Runtime fixes its WASM thread count when its first session starts.
  const backends: BackendName[] = gpu ? ['wasm', 'webgpu'] : ['wasm'];
  host.log(`chromium: cross-origin isolated ${crossOriginIsolated}, WebGPU adapter ${gpu ?? 'none'}`);
  const output = await runSuites(host, settings, inputs, backends, gpu);
  if (!gpu && (!settings.backends || settings.backends.includes('webgpu')))
    output.skipped.push('chromium webgpu: this browser has no WebGPU adapter');
  return {
    output,
    ...(gpu ? { gpu } : {}),
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency ?? 1,
    crossOriginIsolated,
  };
}

/** The kiosk: runs the suites with the default settings (or those given) and builds the report. */
export async function runKiosk(
  overrides: Partial<BenchSettings>,
  onLine: (line: string) => void,
): Promise<{ report: BenchReport; markdown: string; svg: string }> {
  const startedAt = Date.now();
  const settings = { ...DEFAULT_SETTINGS, ...overrides, envs: ['chromium' as const] };
  const run = await runInPage(settings, undefined, onLine);
  // Chromium tells a rounded figure (at most 8); 0 means unknown.
  // Chromium tells a rounded figure (at most 8 GiB); 0 in the report means the browser does not tell.
  const memoryGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const report = assembleReport({
    machine: {
      cpu: navigator.platform || 'unknown CPU',
      cores: run.cores,
      memoryGiB: memoryGiB ?? 0,
      ...(run.gpu ? { gpu: run.gpu } : {}),
    },
    date: new Date(startedAt).toISOString(),
    host: location.host || 'kiosk',
    command: `bench/index.html${location.search}`,
    browser: run.userAgent,
    outputs: [run.output],
    durationSeconds: (Date.now() - startedAt) / 1000,
  });
  return { report, markdown: reportMarkdown(report), svg: reportSvg(report) };
}

(globalThis as unknown as { smearscopeBench: unknown }).smearscopeBench = { runInPage, runKiosk };
