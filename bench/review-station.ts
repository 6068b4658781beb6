// `npm run bench:review`: the review station in headless Chromium (not a test: it measures).
//   1. Drop 20 BCCD frames on the kiosk page (a real CDP file drop): ms from the drop event to the
//      first cell tile on screen and to the last (after the next paint), median of --runs pages.
//   2. Gallery scrolling with 2,000 cells (the dropped session replicated in IndexedDB and restored
//      by a reload): frames per second and the longest frame while the mouse wheel scrolls.
// Writes bench/results/review-station-<host>-<date>.json. Bundled to dist/node/bench-review.js.
import { mkdir, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { STATION_PAGE } from '../src/cli/serve.js';
import { startStaticServer } from '../src/cli/static-server.js';
import { chromePath, chromiumArgs } from '../test/support/chromium.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL } from '../test/support/frames.js';
import { nodeMachine } from './machine.js';
import { spreadOf } from './stats.js';

const FRAMES = 20;
const GALLERY_CELLS = 2000;
const SCROLL_MS = 4000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' } } });
  const runs = Number(values.runs ?? 3);
  const backend = values.backend ?? 'wasm';
  const files = readdirSync(BCCD_DIR).filter((name) => name.endsWith('.jpg')).sort().slice(0, FRAMES).map((name) => resolve(BCCD_DIR, name));
  const server = await startStaticServer({ '/': '.' }, 0, '127.0.0.1', { index: STATION_PAGE });
  // A loaded machine may take minutes to restore 2,000 cells: puppeteer's default protocol timeout is 3.
  const browser = await puppeteer.launch({ executablePath: chromePath(), args: chromiumArgs(backend === 'webgpu' ? 'system' : 'off'), headless: true, protocolTimeout: 15 * 60_000 });
  const date = new Date();
  try {
    const drops: Array<{ firstCellMs: number; lastCellMs: number; cells: number }> = [];
    for (let run = 0; run < runs; run++) {
      const page = await open(browser, `${server.url}/?backend=${backend}&session=drop-${run}&scale=${BCCD_MICRONS_PER_PIXEL}`);
      drops.push(await dropFrames(page, files));
      process.stderr.write(`drop ${run + 1}/${runs}: first cell ${drops.at(-1)!.firstCellMs.toFixed(0)} ms, last ${drops.at(-1)!.lastCellMs.toFixed(0)} ms\n`);
      if (run < runs - 1) await page.close();
      else {
        const scroll = await galleryScroll(page);
        process.stderr.write(`gallery of ${scroll.cells} cells: ${scroll.fps.toFixed(1)} fps, longest frame ${scroll.longestFrameMs.toFixed(0)} ms\n`);
        const report = {
          suite: 'review-station',
          machine: nodeMachine(),
          date: date.toISOString(),
          host: hostname(),
          browser: await browser.version(),
          backend,
          frames: FRAMES,
          runs,
          note: 'ms from the drop event to the first/last cell tile after the next paint; scrolling: mouse-wheel steps of 120 px every 16 ms for 4 s',
          dropToFirstCellMs: spreadOf(drops.map((d) => d.firstCellMs)),
          dropToLastCellMs: spreadOf(drops.map((d) => d.lastCellMs)),
          cellsShown: drops.map((d) => d.cells),
          galleryScroll: scroll,
        };
        const out = values.out ?? 'bench/results';
        await mkdir(out, { recursive: true });
        const path = join(out, `review-station-${report.host.replace(/[^A-Za-z0-9._-]+/g, '_')}-${report.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '')}.json`);
        await writeFile(path, JSON.stringify(report, null, 2) + '\n');
        process.stdout.write(`${JSON.stringify(report, null, 2)}\nwrote ${path}\n`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

async function open(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1920, height: 1080 });
  await page.goto(url);
  await page.waitForFunction(() => customElements.get('smearscope-review') !== undefined);
  await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { ready: Promise<void> }).ready);
  return page;
}

/** Drops the files on the station (CDP drag events carrying the files) and times the tiles. */
async function dropFrames(page: Page, files: string[]): Promise<{ firstCellMs: number; lastCellMs: number; cells: number }> {
  await page.evaluate((frames) => {
    const w = window as unknown as { dropAt?: number; firstAt?: number; lastAt?: number };
    document.addEventListener('drop', () => (w.dropAt = performance.now()), { capture: true, once: true });
    const paint = () => new Promise<number>((done) => requestAnimationFrame(() => setTimeout(() => done(performance.now()))));
    const observer = new MutationObserver(() => {
      const tiles = document.querySelectorAll('[data-cell-class]').length;
      if (tiles > 0 && w.firstAt === undefined) { w.firstAt = -1; void paint().then((t) => (w.firstAt = t)); }
      if (document.querySelectorAll('figure[data-frame-id]').length === frames && w.lastAt === undefined) {
        w.lastAt = -1;
        observer.disconnect();
        void paint().then((t) => (w.lastAt = t));
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }, files.length);
  const box = (await (await page.$('.ss-views'))!.boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const data = { items: [], files, dragOperationsMask: 1 };
  const cdp = await page.createCDPSession();
  await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', x, y, data });
  await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', x, y, data });
  await cdp.send('Input.dispatchDragEvent', { type: 'drop', x, y, data });
  await page.waitForFunction(() => ((window as unknown as { lastAt?: number }).lastAt ?? -1) > 0, { timeout: 600_000 });
  return page.evaluate(() => {
    const w = window as unknown as { dropAt: number; firstAt: number; lastAt: number };
    return { firstCellMs: w.firstAt - w.dropAt, lastCellMs: w.lastAt - w.dropAt, cells: document.querySelectorAll('[data-cell-class]').length };
  });
}

/** Replicates the stored session to 2,000 cells, reloads, and scrolls the gallery with the wheel. */
async function galleryScroll(page: Page): Promise<{ cells: number; fps: number; longestFrameMs: number; frames: number }> {
  await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { saved(): Promise<void> }).saved());
  // The station's own IndexedDB layout (src/ui/session-store.ts): one state, one image per frame.
  await page.evaluate(async (target) => {
    const session = new URLSearchParams(location.search).get('session')!;
    const db = await new Promise<IDBDatabase>((done, fail) => { const r = indexedDB.open('smearscope-review', 1); r.onsuccess = () => done(r.result); r.onerror = () => fail(r.error); });
    const get = <T>(store: string, key: string) => new Promise<T>((done) => { const r = db.transaction(store).objectStore(store).get(key); r.onsuccess = () => done(r.result as T); });
    type State = { frames: Array<{ id: number }>; cells: Array<{ id: string; frameId: number }> };
    const state = await get<State>('sessions', session);
    const images = await Promise.all(state.frames.map((f) => get<Blob>('images', `${session}/${f.id}`)));
    const frames = [...state.frames];
    const cells = [...state.cells];
    const t = db.transaction(['sessions', 'images'], 'readwrite');
    for (let copy = 1; cells.length < target; copy++) {
      state.frames.forEach((frame, i) => {
        const id = copy * 1000 + frame.id;
        frames.push({ ...frame, id });
        t.objectStore('images').put(images[i], `${session}/${id}`);
        for (const cell of state.cells.filter((c) => c.frameId === frame.id)) {
          if (cells.length < target) cells.push({ ...cell, frameId: id, id: `${id}:${cell.id.split(':')[1]}` });
        }
      });
    }
    t.objectStore('sessions').put({ ...state, frames, cells }, session);
    await new Promise((done) => (t.oncomplete = done));
  }, GALLERY_CELLS);
  await page.reload();
  await page.waitForFunction(() => customElements.get('smearscope-review') !== undefined);
  await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { ready: Promise<void> }).ready);
  await page.click('[data-tab=gallery]');
  const cells = await page.$$eval('[data-cell-class]', (tiles) => tiles.length);
  const panel = (await (await page.$('[data-panel=gallery]'))!.boundingBox())!;
  await page.mouse.move(panel.x + panel.width / 2, panel.y + panel.height / 2);
  await page.evaluate(() => {
    const w = window as unknown as { frameTimes: number[] };
    w.frameTimes = [];
    const tick = (t: number) => { w.frameTimes.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  let direction = 1;
  while (Date.now() - started < SCROLL_MS) {
    const atEnd = await page.$eval('[data-panel=gallery]', (el, d) => (d > 0 ? el.scrollTop + el.clientHeight >= el.scrollHeight - 2 : el.scrollTop <= 0), direction);
    if (atEnd) direction = -direction;
    await page.mouse.wheel({ deltaY: 120 * direction });
    await new Promise((done) => setTimeout(done, 16));
  }
  const times = await page.evaluate(() => (window as unknown as { frameTimes: number[] }).frameTimes);
  const steady = times.filter((t) => t >= times[0] + 200); // skip the first 200 ms
  const gaps = steady.slice(1).map((t, i) => t - steady[i]);
  return { cells, frames: gaps.length, fps: (1000 * gaps.length) / (steady.at(-1)! - steady[0]), longestFrameMs: Math.max(...gaps) };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:review failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
