import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type KeyInput, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type FrameResult } from '../../dist/node/index.js';
import { STATION_PAGE } from '../../src/cli/serve.js';
import { startStaticServer, type StaticServer } from '../../src/cli/static-server.js';
import { chromePath, chromiumArgs } from '../support/chromium.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL } from '../support/frames.js';
import { allowDownloads, differential, ready, SHOTS, tileClasses, VIEWPORTS } from '../support/station.js';

// The review station in real Chromium, served as `smearscope serve` serves it (the page at /),
// driven by real clicks, keys and the file input: 20 BCCD frames, review, sign-off, reload, export.
const FRAMES = readdirSync(BCCD_DIR)
  .filter((name) => name.endsWith('.jpg'))
  .sort()
  .slice(0, 20);

describe('review station (Chromium, wasm)', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let sdk: FrameResult[];
  let downloaded: (extension: string) => Promise<string>;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startStaticServer({ '/': '.', '/shared/': '../shared' }, 0, '127.0.0.1', { index: STATION_PAGE });
    browser = await puppeteer.launch({ executablePath: chromePath(), args: chromiumArgs('off'), headless: true });
    page = await browser.newPage();
    // The reference: the SDK's report (Node, native backend) on the frames as this Chromium decodes
    // them (Node's jpeg-js decodes JPEG differently enough to move cells across the confidence
    // threshold), at the same scale.
    await page.goto(`${server.url}/test/browser/blank.html`);
    const decoded = await page.evaluate(
      async (urls) =>
        Promise.all(
          urls.map(async (url) => {
            const bitmap = await createImageBitmap(await (await fetch(url)).blob());
            const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
            context.drawImage(bitmap, 0, 0);
            const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' }).data;
            let binary = '';
            for (let i = 0; i < pixels.length; i += 0x8000) binary += String.fromCharCode(...pixels.subarray(i, i + 0x8000));
            return { width: bitmap.width, height: bitmap.height, pixels: btoa(binary) };
          }),
        ),
      FRAMES.map((name) => `/shared/${BCCD_DIR.replace('../shared/', '')}/${name}`),
    );
    const scope = await createScope({ backend: 'native', workers: 1 });
    sdk = [];
    const inputs = decoded.map((frame, i) => ({
      ...frame,
      channels: 4 as const,
      pixels: Buffer.from(frame.pixels, 'base64'),
      label: FRAMES[i],
      micronsPerPixel: BCCD_MICRONS_PER_PIXEL,
    }));
    for await (const result of scope.analyzeStream(inputs)) sdk.push(result);
    await scope.dispose();

    page.on('pageerror', (error) => errors.push((error as Error).message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/favicon/.test(message.location().url ?? '')) errors.push(message.text());
    });
    downloaded = await allowDownloads(page);
    await page.setViewport(VIEWPORTS[0]);
    await page.goto(`${server.url}/?backend=wasm&session=test`);
    await ready(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.log(`review station screenshots: ${SHOTS}`);
  });

  it('loads 20 BCCD frames through the file input; the gallery shows every cell of the SDK report, frame by frame', async () => {
    await page.type('input[data-role=microns-per-pixel]', String(BCCD_MICRONS_PER_PIXEL));
    const input = (await page.$('input[type=file]')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(...FRAMES.map((name) => `${BCCD_DIR}/${name}`));
    await page.waitForFunction((n) => document.querySelectorAll('figure[data-frame-id]').length === n, { timeout: 240_000 }, FRAMES.length);
    const expected = sdk.map((result) => result.cells.length);
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(FRAMES.length / 2);
    const perFrame = await page.$$eval('[data-cell-class]', (tiles) =>
      tiles.map((tile) => Number((tile as HTMLElement).dataset.cellId!.split(':')[0])),
    );
    expect(FRAMES.map((_, frame) => perFrame.filter((f) => f === frame).length)).toEqual(expected);
    // Abstentions land in "unidentified", the rest under the SDK's class.
    const classes = await tileClasses(page);
    const sdkClasses = sdk.flatMap((result, frame) =>
      result.cells.map((cell, n) => [`${frame}:${n}`, cell.decision!.abstained ? 'unidentified' : cell.decision!.class] as const),
    );
    expect(classes).toEqual(Object.fromEntries(sdkClasses));
    // The default model has a blast class: every tile shows its blast score.
    for (const scores of await page.$$eval('.ss-tile-scores', (all) => all.map((s) => s.textContent)))
      expect(scores).toMatch(/^blast \d\.\d\d/);
    expect(errors).toEqual([]);
    await screenshots('loaded');
  });

  it('reclassifies three cells by keyboard; the differential follows each change; Ctrl+Z undoes', async () => {
    await page.type('input[data-role=operator]', 'A. Cytologist'); // every change is logged with it
    await page.click('[data-tab=gallery]');
    const before = await differential(page);
    const codes = Object.keys(before);
    const cells = Object.entries(await tileClasses(page)).slice(0, 3);
    const expected = { ...before };
    for (const [n, [id, from]] of cells.entries()) {
      const to = codes.filter((code) => code !== from)[n];
      const key = await page.$eval(`[data-class-button="${to}"]`, (button) => button.getAttribute('aria-keyshortcuts')!);
      await page.click(`[data-cell-id="${id}"]`);
      await page.keyboard.press(key as KeyInput);
      expect((await tileClasses(page))[id]).toBe(to);
      if (from in expected) expected[from]--;
      expected[to]++;
      expect(await differential(page)).toEqual(expected);
    }
    const counted = Object.values(expected).reduce((a, b) => a + b, 0);
    const percents = await page.$$eval('table[data-role=differential] tbody tr', (rows) =>
      rows.map((row) => row.querySelector('[data-col=percent]')!.textContent),
    );
    expect(percents).toEqual(codes.map((code) => `${((100 * expected[code]) / counted).toFixed(1)} %`));
    const log = await page.$$eval('table[data-role=audit-log] tbody tr', (rows) =>
      rows.map((row) => [...row.children].map((td) => td.textContent)),
    );
    expect(log.map((row) => [row[2], row[3], row[5]]).reverse()).toEqual(
      cells.map(([id], n) => ['reclassify', id, codes.filter((code) => code !== cells[n][1])[n]]),
    );

    await page.keyboard.down('Control');
    await page.keyboard.press('z');
    await page.keyboard.up('Control');
    const [lastId, lastFrom] = cells[2];
    expect((await tileClasses(page))[lastId]).toBe(lastFrom);
    const afterUndo = { ...expected };
    afterUndo[codes.filter((code) => code !== lastFrom)[2]]--;
    if (lastFrom in afterUndo) afterUndo[lastFrom]++;
    expect(await differential(page)).toEqual(afterUndo);

    // Dragging a tile onto a class (mouse; touch takes the same pointer path) and the Undo button.
    const [dragId] = cells[1];
    const dragFrom = (await tileClasses(page))[dragId];
    const dragTo = codes.find((code) => code !== dragFrom)!;
    await page.$eval(`[data-cell-id="${dragId}"]`, (el) => el.scrollIntoView({ block: 'center' }));
    const tile = (await (await page.$(`[data-cell-id="${dragId}"]`))!.boundingBox())!;
    const target = (await (await page.$(`.ss-classbar [data-drop-class="${dragTo}"]`))!.boundingBox())!;
    await page.mouse.move(tile.x + tile.width / 2, tile.y + tile.height / 2);
    await page.mouse.down();
    await page.mouse.move(tile.x + tile.width / 2 + 20, tile.y + tile.height / 2 + 20, { steps: 4 });
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
    await page.mouse.up();
    expect((await tileClasses(page))[dragId]).toBe(dragTo);
    await page.click('[data-action=undo]');
    expect(await differential(page)).toEqual(afterUndo);

    // The CAM overlay on demand: on changes the selected cell's crop, off restores it.
    const crop = async (drawn: string) =>
      page.$eval(`.ss-detail canvas[data-drawn="${drawn}"]`, (canvas) => {
        const data = (canvas as HTMLCanvasElement)
          .getContext('2d')!
          .getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height).data;
        let hash = 0;
        for (let i = 0; i < data.length; i += 3) hash = (hash * 31 + data[i]) | 0;
        return hash;
      });
    const shown = cells[0][0];
    await page.click(`[data-cell-id="${shown}"]`);
    await page.waitForSelector(`.ss-detail canvas[data-drawn="${shown}"]`);
    const plain = await crop(shown);
    await page.click('[data-action=cam]');
    await page.waitForSelector(`.ss-detail canvas[data-drawn="${shown}+cam"]`);
    expect(await crop(`${shown}+cam`)).not.toBe(plain);
    await screenshots('cam');
    await page.click('[data-action=cam]');
    await page.waitForSelector(`.ss-detail canvas[data-drawn="${shown}"]`);
    expect(await crop(shown)).toBe(plain);
  });

  it('refuses the sign-off while cells are unidentified, and accepts it once they are classified (short count overridden with a reason)', async () => {
    const answer = () => page.$eval('[data-role=sign-off-answer]', (p) => p.textContent ?? '');
    await page.click('input[data-role=operator]', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.click('[data-action=sign-off]');
    expect(await answer()).toMatch(/refused: type the operator name/);
    await page.type('input[data-role=operator]', 'A. Cytologist');
    await page.type('[data-role=override-reason]', 'short');
    await page.click('[data-action=sign-off]');
    expect(await answer()).toMatch(/refused: review incomplete: \d+ cells? still unidentified; \d+ of 200 cells counted/);

    const neutrophilKey = await page.$eval('[data-class-button="NGS"]', (button) => button.getAttribute('aria-keyshortcuts')!);
    for (let guard = 0; guard < 100; guard++) {
      const next = await page.$('[data-cell-class=unidentified]');
      if (!next) break;
      await next.click();
      await page.keyboard.press(neutrophilKey as KeyInput);
    }
    expect(await page.$$('[data-cell-class=unidentified]')).toHaveLength(0);
    await page.click('[data-action=sign-off]');
    const refused = await answer();
    expect(refused).toMatch(/refused: review incomplete: \d+ of 200 cells counted/);
    expect(refused).not.toMatch(/unidentified/);

    await page.$eval('[data-role=override-reason]', (area) => ((area as HTMLTextAreaElement).value = ''));
    await page.type('[data-role=override-reason]', 'Test slide of 20 frames: fewer than 200 leukocytes on it');
    await page.click('[data-action=sign-off]');
    expect(await answer()).toMatch(/^Signed off by A\. Cytologist at .* with blockers overridden \(\d+ of 200 cells counted\)/);
    // Signed: the review no longer changes.
    const classes = await tileClasses(page);
    await page.click('[data-cell-class]');
    await page.keyboard.press('1');
    expect(await tileClasses(page)).toEqual(classes);
    await screenshots('signed');
  });

  it('restores the session after a reload (IndexedDB), crops included', async () => {
    const before = await snapshot(page);
    await page.evaluate(() => (document.querySelector('smearscope-review') as unknown as { saved(): Promise<void> }).saved());
    await page.reload();
    await ready(page);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-cell-class]').length === n,
      { timeout: 60_000 },
      Object.keys(before.classes).length,
    );
    await page.waitForFunction(
      () => {
        const canvas = document.querySelector<HTMLCanvasElement>('[data-cell-class] canvas')!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        return pixels.some((v, i) => i % 4 === 2 && v !== pixels[2]); // a drawn crop, not a blank canvas
      },
      { timeout: 60_000 },
    );
    expect(await snapshot(page)).toEqual(before);
  });

  it('exports JSON equal to the state on screen, and CSV with one row per cell', async () => {
    const state = await snapshot(page);
    await page.click('[data-action=export-json]');
    const record = JSON.parse(await downloaded('.json'));
    expect(Object.fromEntries(record.cells.map((cell: { id: string; reviewedClass: string }) => [cell.id, cell.reviewedClass]))).toEqual(
      state.classes,
    );
    expect(Object.fromEntries(record.report.differential.map((row: { code: string; count: number }) => [row.code, row.count]))).toEqual(
      state.differential,
    );
    expect(
      record.log.map((entry: { action: string; cell?: string; to?: string }) => [entry.action, entry.cell ?? '', entry.to ?? '']),
    ).toEqual(state.log.map((row) => [row[2].split(':')[0], row[3], row[5]]).reverse());
    expect(record.signOff.by).toBe('A. Cytologist');
    expect(record.report.disclaimer).toMatch(/not a diagnosis/);
    await page.click('[data-action=export-csv]');
    const csv = (await downloaded('.csv')).trim().split('\r\n');
    expect(csv).toHaveLength(Object.keys(state.classes).length + 1);
    expect(csv[0]).toMatch(/^cell,frame,x,y,model_class/);
    expect(errors).toEqual([]);
  });

  async function screenshots(stage: string): Promise<void> {
    for (const viewport of VIEWPORTS) {
      await page.setViewport(viewport);
      const size = `${viewport.width}x${viewport.height}`;
      await page.click('[data-tab=overview]');
      // Frames are drawn once they scroll near the view; after a resize the newly visible ones are
      // still being decoded: wait for every frame on screen, as a person would see it a moment later.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLCanvasElement>('.ss-overview canvas')].every((canvas) => {
            const box = canvas.getBoundingClientRect();
            return canvas.width > 0 || box.bottom < 0 || box.top > window.innerHeight;
          }),
        { timeout: 30_000 },
      );
      await page.screenshot({ path: join(SHOTS, `${stage}-overview-${size}.png`) });
      await page.click('[data-tab=gallery]');
      await page.screenshot({ path: join(SHOTS, `${stage}-gallery-${size}.png`) });
      const table = await page.$('.ss-differential');
      await table!.screenshot({ path: join(SHOTS, `${stage}-differential-${size}.png`) });
    }
    await page.setViewport(VIEWPORTS[0]);
  }
});

async function snapshot(page: Page) {
  return {
    classes: await tileClasses(page),
    differential: await differential(page),
    table: await page.$eval('table[data-role=differential]', (table) => table.textContent),
    log: await page.$$eval('table[data-role=audit-log] tbody tr', (rows) =>
      rows.map((row) => [...row.children].map((td) => td.textContent ?? '')),
    ),
    signOff: await page.$eval('[data-role=sign-off-answer]', (p) => p.textContent),
    frames: await page.$$eval('figure[data-frame-id] figcaption', (captions) => captions.map((c) => c.textContent)),
  };
}
