import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type KeyInput, type Page } from 'puppeteer-core';
import { STATION_PAGE } from '../../src/cli/serve.js';
import { startStaticServer, type StaticServer } from '../../src/cli/static-server.js';
import { chromePath, chromiumArgs } from './chromium.js';
import { BCCD_DIR } from './frames.js';

// The review station as the browser tests drive it: served as `smearscope serve` serves it (the
// page at /), in headless Chromium (wasm backend), used through clicks, keys and the file input.

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** Where screenshots go: $SMEARSCOPE_SHOTS (to look at them), else a fresh temporary folder. */
export const SHOTS = process.env.SMEARSCOPE_SHOTS ?? mkdtempSync(join(tmpdir(), 'smearscope-review-shots-'));
mkdirSync(SHOTS, { recursive: true });

export interface StationBrowser {
  server: StaticServer;
  browser: Browser;
  page: Page;
  /** Page errors and console errors (favicon misses aside). */
  errors: string[];
  /** Opens the station at `/?<query>` and waits until it is ready (model loaded, session restored). */
  open(query: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchStation(): Promise<StationBrowser> {
  const server = await startStaticServer({ '/': '.', '/shared/': '../shared' }, 0, '127.0.0.1', { index: STATION_PAGE });
  const browser = await puppeteer.launch({ executablePath: chromePath(), args: chromiumArgs('off'), headless: true });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push((error as Error).message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/favicon/.test(message.location().url ?? '')) errors.push(message.text());
  });
  await page.setViewport(VIEWPORTS[0]);
  return {
    server,
    browser,
    page,
    errors,
    async open(query) {
      await page.goto(`${server.url}/?${query}`);
      await ready(page);
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** The first `count` BCCD frames from `from` (sorted by name), as paths for the file input. */
export function bccdFiles(from: number, count: number): string[] {
  return readdirSync(BCCD_DIR)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .slice(from, from + count)
    .map((name) => `${BCCD_DIR}/${name}`);
}

export async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => customElements.get('smearscope-review') !== undefined, { timeout: 60_000 });
  await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { ready: Promise<void> }).ready);
}

/** Chooses `paths` in the "Open frames" file input, as a person does in the file dialog. */
export async function openFrames(page: Page, paths: string[]): Promise<void> {
  const input = (await page.$('input[data-role=frame-input]')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...paths);
}

/** Waits until `count` frames are on the overview and nothing is left to analyze. */
export async function waitForFrames(page: Page, count: number, timeout = 240_000): Promise<void> {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('figure[data-frame-id]').length === n &&
      !/analyzing/.test(document.querySelector('.ss-status')!.textContent!),
    { timeout },
    count,
  );
}

export async function statusLine(page: Page): Promise<string> {
  return page.$eval('.ss-status', (status) => status.textContent ?? '');
}

export async function signOffAnswer(page: Page): Promise<string> {
  return page.$eval('[data-role=sign-off-answer]', (p) => p.textContent ?? '');
}

/** Presses Ctrl+`key`. */
export async function pressCtrl(page: Page, key: KeyInput): Promise<void> {
  await page.keyboard.down('Control');
  await page.keyboard.press(key);
  await page.keyboard.up('Control');
}

/** The key a class button shows (aria-keyshortcuts). */
export async function classKey(page: Page, code: string): Promise<KeyInput> {
  return (await page.$eval(`[data-class-button="${code}"]`, (button) => button.getAttribute('aria-keyshortcuts')!)) as KeyInput;
}

/** Cell id -> the class its gallery tile is under now, in cell order. */
export async function tileClasses(page: Page): Promise<Record<string, string>> {
  const pairs = await page.$$eval('[data-cell-class]', (tiles) =>
    tiles.map((tile) => [(tile as HTMLElement).dataset.cellId!, (tile as HTMLElement).dataset.cellClass!]),
  );
  return Object.fromEntries(pairs.sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true })));
}

/** Class code -> count, from the differential table. */
export async function differential(page: Page): Promise<Record<string, number>> {
  const rows = await page.$$eval('table[data-role=differential] tbody tr', (trs) =>
    trs.map((tr) => [tr.getAttribute('data-class')!, Number(tr.querySelector('[data-col=count]')!.textContent)]),
  );
  return Object.fromEntries(rows);
}

/** Resolves once every change so far is in IndexedDB (before a reload). */
export async function saved(page: Page): Promise<void> {
  await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { saved(): Promise<void> }).saved());
}

/**
 * Screenshots of the page as it is, at 1280x800 and 1920x1080 (`SHOTS/<name>-<size>.png`), then
 * back to 1280x800. Frames decode once scrolled near the view: waits for those on screen first.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const viewport of VIEWPORTS) {
    await page.setViewport(viewport);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLElement>('figure[data-frame-id]')].every((figure) => {
          const canvas = figure.querySelector('canvas')!;
          const box = figure.getBoundingClientRect();
          return figure.dataset.failed === 'true' || canvas.width > 0 || box.bottom < 0 || box.top > window.innerHeight || box.width === 0;
        }),
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(SHOTS, `${name}-${viewport.width}x${viewport.height}.png`) });
  }
  await page.setViewport(VIEWPORTS[0]);
}

/** Lets the page download into a fresh folder; the answer reads the newest finished download with an extension. */
export async function allowDownloads(page: Page): Promise<(extension: string) => Promise<string>> {
  const folder = mkdtempSync(join(tmpdir(), 'smearscope-review-downloads-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: folder });
  return async (extension) => {
    let seen = '';
    for (let tries = 0; tries < 300; tries++) {
      // Chromium writes <name>.crdownload until the download is done, but the final name can appear
      // before its bytes do (an empty file was read under load): done once non-empty and unchanged for one poll.
      const files = readdirSync(folder).filter((name) => name.endsWith(extension));
      const text = files.length ? readFileSync(join(folder, files.sort().at(-1)!), 'utf8') : '';
      if (text !== '' && text === seen) return text;
      seen = text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${extension} download in ${folder}`);
  };
}
