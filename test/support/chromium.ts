import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startStaticServer, type StaticServer } from '../../src/cli/static-server.js';
import { chromePath, chromiumArgs } from './chromium-flags.js';

export { chromePath, chromiumArgs };

export interface BrowserSession {
  browser: Browser;
  page: Page;
  server: StaticServer;
  /** Console lines of the page, for failure messages. */
  console: string[];
  close(): Promise<void>;
}

/**
 * Headless Chromium with WebGPU on SwiftShader (correct, slow) and a localhost server with
 * COOP/COEP for the repo root, so pages load dist/ bundles, models/ and ../shared/data.
 */
export async function openBrowser(options: { webgpu?: boolean; protocolTimeoutMs?: number } = {}): Promise<BrowserSession> {
  const server = await startStaticServer({ '/': '.', '/shared/': '../shared' });
  const args = chromiumArgs((options.webgpu ?? true) ? 'swiftshader' : 'off');
  // protocolTimeoutMs bounds one page call (puppeteer's default: 180 s); SwiftShader runs of deep
  // graphs on a loaded machine need more.
  const browser = await puppeteer.launch({
    executablePath: chromePath(),
    args,
    headless: true,
    protocolTimeout: options.protocolTimeoutMs,
  });
  const page = await browser.newPage();
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`pageerror: ${(error as Error).message}`));
  await page.goto(`${server.url}/test/browser/blank.html`);
  return {
    browser,
    page,
    server,
    console: lines,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Calls `exportName(...args)` of an ES module served at `moduleUrl` inside the page and returns its
 * JSON-able result. (A string expression: vitest would rewrite a dynamic import() in a function.)
 */
export async function callInPage<T>(page: Page, moduleUrl: string, exportName: string, args: unknown[]): Promise<T> {
  const expression = `import(${JSON.stringify(moduleUrl)}).then((m) => m[${JSON.stringify(exportName)}](...${JSON.stringify(args)}))`;
  return (await page.evaluate(expression)) as T;
}
