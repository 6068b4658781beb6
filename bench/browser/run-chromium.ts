import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { startStaticServer } from '../../src/cli/static-server.js';
import { chromePath, chromiumArgs } from '../../test/support/chromium-flags.js';
import type { GpuChoice } from '../cli-options.js';
import type { BenchHost } from '../host.js';
import { type BenchInputs, selectModels } from '../inputs.js';
import type { BenchSettings } from '../settings.js';
import { pipelinePlans } from '../plans.js';
import { mergeOutputs, type SuiteOutput } from '../suites/suite-output.js';
import type { PageRun } from './entry.js';
import { DRIVER_MEMORY_FUNCTION } from './page-host.js';
import { PAGE_INPUTS_PATH } from './page-inputs.js';
import { processTreeBytes } from './process-memory.js';
import { writePageInputs } from './write-page-inputs.js';

/** The browser bundle the page loads (built by esbuild.mjs). */
const PAGE_BUNDLE = 'dist/bench/bench.js';
/** A whole browser suite may run for minutes; puppeteer's default protocol timeout is 3. */
const PROTOCOL_TIMEOUT_MS = 30 * 60_000;

export interface ChromiumRun {
  output: SuiteOutput;
  /** Chromium's version string. */
  browser: string;
  gpu?: string;
}

/**
 * Runs the browser suite in headless Chromium (puppeteer-core, the system's browser): writes the
 * inputs for the page, serves the package root with COOP/COEP (WASM threads; without them with
 * --isolation off), and for each suite
 * (each pipeline plan) opens bench/index.html and calls the bundle's runInPage. WebGPU: `system`
 * uses the machine's GPU, `swiftshader` the software adapter, `auto` the GPU when Chromium finds
 * one, else SwiftShader.
 */
export async function runChromiumSuites(
  host: BenchHost,
  settings: BenchSettings,
  inputs: BenchInputs,
  gpu: GpuChoice,
): Promise<ChromiumRun> {
  if (!existsSync(PAGE_BUNDLE)) throw new Error(`${PAGE_BUNDLE} is missing: run "npm run build" first`);
  await writePageInputs(inputs);
  const server = await startStaticServer({ '/': '.' }, 0, '127.0.0.1', { isolated: !settings.notIsolated });
  let webgpu: 'system' | 'swiftshader' = gpu === 'auto' ? 'system' : gpu;
  let browser = await launch(webgpu);
  try {
    if (gpu === 'auto') {
      const page = await openPage(host, browser, server.url);
      const hasAdapter = await page.page.evaluate('!!navigator.gpu && navigator.gpu.requestAdapter().then((a) => !!a)');
      await page.page.close();
      if (!hasAdapter) {
        host.log('chromium: no WebGPU adapter on the system GPU; using SwiftShader (software) for a labelled webgpu check');
        await browser.close();
        webgpu = 'swiftshader';
        browser = await launch(webgpu);
      }
    }
    const outputs: SuiteOutput[] = [];
    let adapter: string | undefined;
    for (const unit of pageUnits(settings, inputs)) {
      // A fresh page (renderer) per unit: a page that already ran a bare session on its main thread
      // next to a scope's workers was seen to keep V8 background threads busy, slowing later units.
      const { page, errors } = await openPage(host, browser, server.url);
      try {
        const run = (await page.evaluate(
          `globalThis.smearscopeBench.runInPage(${JSON.stringify(unit)}, new URL('/${PAGE_INPUTS_PATH}', location.href).href)`,
        )) as PageRun;
        outputs.push(run.output);
        adapter ??= run.gpu;
      } catch (error) {
        throw new Error(`browser suite failed: ${(error as Error).message}\n${errors.slice(-10).join('\n')}`);
      } finally {
        await page.close();
      }
    }
    const output = mergeOutputs(outputs);
    output.skipped = [...new Set(output.skipped)];
    return { output, browser: await browser.version(), ...(adapter ? { gpu: adapter } : {}) };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The settings of each page: one per suite, and one per plan of the pipeline suite. */
function pageUnits(settings: BenchSettings, inputs: BenchInputs): BenchSettings[] {
  const models = { ...inputs, models: selectModels(inputs.models, settings.models) };
  return settings.suites.flatMap((suite): BenchSettings[] =>
    suite === 'pipeline'
      ? pipelinePlans(models, settings).map((_, index) => ({ ...settings, suites: [suite], pipelinePlan: index }))
      : [{ ...settings, suites: [suite] }],
  );
}

async function launch(webgpu: 'system' | 'swiftshader'): Promise<Browser> {
  // Loaded here, not at the top: a Node-only run (a GPU machine carrying production packages only)
  // needs no puppeteer.
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: chromePath(),
    args: chromiumArgs(webgpu),
    headless: true,
    protocolTimeout: PROTOCOL_TIMEOUT_MS,
  });
}

async function openPage(host: BenchHost, browser: Browser, siteUrl: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const rootPid = browser.process()?.pid;
  await page.exposeFunction(DRIVER_MEMORY_FUNCTION, async () => (rootPid ? ((await processTreeBytes(rootPid)) ?? null) : null));
  const errors: string[] = [];
  page.on('console', (message) => {
    const line = message.text();
    if (line.startsWith('bench: ')) host.log(line.slice('bench: '.length));
    else if (message.type() === 'error') errors.push(line);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${(error as Error).message}`));
  await page.goto(`${siteUrl}/bench/index.html?driven`);
  await page.waitForFunction('!!globalThis.smearscopeBench', { timeout: 60_000 });
  return { page, errors };
}
