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
 * Headless Chromium with WebGPU on SwiftShader (correct, slow) and a localhost server for the repo
 * root, so pages load dist/ bundles, models/ and ../shared/data. The server sends COOP/COEP (a
 * cross-origin isolated page) unless `isolated: false`.
 */
export async function openBrowser(
  options: { webgpu?: boolean; isolated?: boolean; mounts?: Record<string, string>; protocolTimeoutMs?: number } = {},
): Promise<BrowserSession> {
  const server = await startStaticServer(options.mounts ?? { '/': '.', '/shared/': '../shared' }, 0, '127.0.0.1', {
    isolated: options.isolated ?? true,
  });
  const args = chromiumArgs((options.webgpu ?? true) ? 'swiftshader' : 'off');
  // One page call may run for minutes (WebGPU on SwiftShader on a loaded machine): bound it by the
  // tests' own timeouts (vitest.config.ts), not puppeteer's default of 180 s.
  const browser = await puppeteer.launch({
    executablePath: chromePath(),
    args,
    headless: true,
    protocolTimeout: options.protocolTimeoutMs ?? 600_000,
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
