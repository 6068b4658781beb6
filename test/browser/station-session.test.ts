import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allowDownloads,
  bccdFiles,
  classKey,
  launchStation,
  openFrames,
  ready,
  saved,
  screenshots,
  signOffAnswer,
  statusLine,
  type StationBrowser,
  waitForFrames,
} from '../support/station.js';

// The review session over the station's life, as a kiosk lives it: reloads, a model changed under
// a stored session, new slides. Real Chromium (wasm backend), real clicks and keys.
const PB8 = 'model=/models/pb8-resnet10gc.json';

describe('review station sessions (Chromium, wasm)', () => {
  let station: StationBrowser;
  let page: Page;
  let downloaded: (extension: string) => Promise<string>;

  beforeAll(async () => {
    station = await launchStation();
    page = station.page;
    downloaded = await allowDownloads(page);
  });
  afterAll(async () => {
    await station?.close();
  });

  it('does not open a review stored under another model: says so, keeps it downloadable, starts a new slide on request', async () => {
    await station.open('backend=wasm&session=switch');
    await openFrames(page, bccdFiles(0, 1));
    await waitForFrames(page, 1);
    const cells = await page.$$eval('[data-cell-class]', (tiles) => tiles.length);
    await saved(page);

    await station.open(`backend=wasm&session=switch&${PB8}`);
    const notice = await page.$eval('[data-role=foreign-session]', (el) => el.textContent);
    expect(notice).toMatch(/made with model bm7-resnet10s \S+, and pb8-resnet10gc \S+ is loaded now/);
    expect(notice).toContain(`1 frame, ${cells} cell`);
    expect(await statusLine(page)).toMatch(/^pb8-resnet10gc on wasm · 0 frames · 0 cells/);
    await screenshots(page, 'model-switch-notice');

    // No frames are taken while it waits (they would overwrite it in IndexedDB).
    await openFrames(page, bccdFiles(1, 1));
    await page.waitForFunction(() => /another model is waiting/.test(document.querySelector('.ss-status')!.textContent!));
    expect(await page.$$('figure[data-frame-id]')).toHaveLength(0);

    await page.click('[data-action=download-stored-session]');
    const record = JSON.parse(await downloaded('.json'));
    expect(record.format).toBe('smearscope-review-session/1');
    expect(record.session.model.id).toBe('bm7-resnet10s');
    expect(record.session.frames).toHaveLength(1);
    expect(record.session.cells).toHaveLength(cells);

    // Discarding asks once more, then the station is a new slide of this model.
    await page.click('[data-action=discard-stored-session]');
    expect(await page.$('[data-role=foreign-session]')).not.toBeNull();
    await page.click('[data-action=discard-stored-session]');
    await page.waitForSelector('[data-role=drop-hint]');
    expect(await page.$('[data-role=foreign-session]')).toBeNull();
    await openFrames(page, bccdFiles(1, 1));
    await waitForFrames(page, 1);
    await saved(page);
    await station.open(`backend=wasm&session=switch&${PB8}`);
    expect(await page.$('[data-role=foreign-session]')).toBeNull();
    expect(await page.$$('figure[data-frame-id]')).toHaveLength(1);
    const exported = await page.evaluate(() =>
      (document.querySelector('smearscope-review') as unknown as { exportRecord(): { model: { id: string } } }).exportRecord(),
    );
    expect(exported.model.id).toBe('pb8-resnet10gc');
    expect(station.errors).toEqual([]);
  });

  it('"New slide" keeps the operator name that is shown, and records it', async () => {
    await station.open(`backend=wasm&session=operator&${PB8}`);
    await page.type('input[data-role=operator]', 'A. Cytologist');
    await openFrames(page, bccdFiles(0, 1));
    await waitForFrames(page, 1);
    await page.click('[data-action=new-session]');
    await page.click('[data-action=new-session]');
    await page.waitForSelector('[data-role=drop-hint]');
    expect(await page.$eval('input[data-role=operator]', (input) => (input as HTMLInputElement).value)).toBe('A. Cytologist');
    await openFrames(page, bccdFiles(1, 1));
    await waitForFrames(page, 1);
    await page.click('[data-tab=gallery]');
    await page.click('[data-cell-id]');
    const from = await page.$eval('[data-cell-id]', (tile) => (tile as HTMLElement).dataset.cellClass);
    await page.keyboard.press(await classKey(page, from === 'LYT' ? 'MON' : 'LYT'));
    await page.type('[data-role=override-reason]', 'a one-frame test slide');
    await page.click('[data-action=sign-off]');
    expect(await signOffAnswer(page)).toMatch(/^Signed off by A\. Cytologist at /);
    await page.$eval('details.ss-log', (log) => ((log as HTMLDetailsElement).open = true));
    const who = await page.$$eval('table[data-role=audit-log] tbody tr', (rows) => rows.map((row) => row.children[1].textContent));
    expect(who).toEqual(['A. Cytologist', 'A. Cytologist']); // sign-off, reclassify
  });

  it('keeps the typed µm/px across a reload: frames added after it use it, not an estimate', async () => {
    await station.open(`backend=wasm&session=typed-scale&${PB8}`);
    await page.type('input[data-role=microns-per-pixel]', '0.075');
    await saved(page);
    await station.open(`backend=wasm&session=typed-scale&${PB8}`);
    expect(await page.$eval('input[data-role=microns-per-pixel]', (input) => (input as HTMLInputElement).value)).toBe('0.075');
    await openFrames(page, bccdFiles(0, 1));
    await waitForFrames(page, 1);
    expect(await page.$eval('figure[data-frame-id] figcaption', (caption) => caption.textContent)).toMatch(/ · 0\.075 µm\/px$/);
    await screenshots(page, 'typed-scale-after-reload');
  });

  it('shows the scale the page gives (?scale=) in the µm/px field, and frames get it', async () => {
    await station.open(`backend=wasm&session=page-scale&scale=0.075&${PB8}`);
    expect(await page.$eval('input[data-role=microns-per-pixel]', (input) => (input as HTMLInputElement).value)).toBe('0.075');
    await openFrames(page, bccdFiles(0, 1));
    await waitForFrames(page, 1);
    expect(await page.$eval('figure[data-frame-id] figcaption', (caption) => caption.textContent)).toMatch(/ · 0\.075 µm\/px$/);
    // Cleared, as the scale warning advises: the next frame estimates its own (the page's scale does not come back).
    await page.click('input[data-role=microns-per-pixel]', { count: 3 });
    await page.keyboard.press('Backspace');
    await openFrames(page, bccdFiles(1, 1));
    await waitForFrames(page, 2);
    const captions = await page.$$eval('figure[data-frame-id] figcaption', (all) => all.map((caption) => caption.textContent));
    expect(captions[1]).toMatch(/µm\/px \(estimated\)$/);
  });

  it('New slide waits for the frames being analyzed (their results would land in the new slide)', async () => {
    await station.open(`backend=wasm&session=new-while-busy&${PB8}`);
    await openFrames(page, bccdFiles(0, 12));
    await page.waitForFunction(() => document.querySelectorAll('figure[data-frame-id]').length >= 1, { polling: 50, timeout: 120_000 });
    const early = await page.evaluate(() =>
      (document.querySelector('smearscope-review') as unknown as { newSession(): Promise<void> }).newSession().then(
        () => 'started',
        (error: Error) => error.message,
      ),
    );
    expect(early).toMatch(/^\d+ frames? of this slide still being analyzed: wait for them, then start a new slide$/);
    await waitForFrames(page, 12);
    const later = await page.evaluate(() =>
      (document.querySelector('smearscope-review') as unknown as { newSession(): Promise<void> }).newSession().then(() => 'started'),
    );
    expect(later).toBe('started');
    expect(await page.$$('figure[data-frame-id]')).toHaveLength(0);
  });

  it('asks before a reload while frames wait for analysis, and after one says how many were not analyzed', async () => {
    await station.open(`backend=wasm&session=midway&${PB8}`);
    const frames = bccdFiles(0, 30);
    await page.click('[data-tab=overview]'); // the operator has used the page: the browser may ask before leaving it
    await openFrames(page, frames);
    await page.waitForFunction(() => document.querySelectorAll('figure[data-frame-id]').length >= 1, { polling: 50, timeout: 120_000 });
    expect(await statusLine(page)).toMatch(/analyzing \d+…$/);
    let asked = 'no dialog';
    page.once('dialog', (dialog) => {
      asked = dialog.type();
      void dialog.accept(); // leave the page
    });
    await page.reload();
    expect(asked).toBe('beforeunload');
    await ready(page);

    const figures = await page.$$eval('figure[data-frame-id]', (all) =>
      all.map((figure) => ({
        failed: (figure as HTMLElement).dataset.failed === 'true',
        caption: figure.querySelector('figcaption')!.textContent!,
      })),
    );
    expect(figures).toHaveLength(frames.length); // every frame chosen is on screen: analyzed, or failed saying why
    const lost = figures.filter((figure) => figure.failed);
    expect(lost.length).toBeGreaterThan(0);
    for (const figure of lost)
      expect(figure.caption).toMatch(/: not analyzed — INTERRUPTED: the page was reloaded \(or closed\) before this frame was analyzed/);
    const status = await statusLine(page);
    expect(status).toMatch(new RegExp(`^${lost.length} frames? (was|were) not analyzed: the page was reloaded`));
    expect(status).toContain(`${frames.length} frames (${lost.length} failed)`);
    // Every frame analyzed before the reload is drawn again: its image was stored before its state.
    await page.waitForFunction(
      () => {
        const undrawn = [...document.querySelectorAll('figure[data-frame-id]:not([data-failed])')].find(
          (figure) => figure.querySelector('canvas')!.width === 0,
        );
        undrawn?.scrollIntoView(); // frames are drawn once scrolled near the view
        return undrawn === undefined;
      },
      { timeout: 60_000, polling: 200 },
    );
    await page.$eval('.ss-overview', (overview) => overview.scrollIntoView());
    await screenshots(page, 'reload-midway');
    // Nothing is left waiting: the next reload does not ask.
    let askedAgain = false;
    page.once('dialog', (dialog) => {
      askedAgain = true;
      void dialog.accept();
    });
    await page.reload();
    await ready(page);
    expect(askedAgain).toBe(false);
    expect(await page.$$('figure[data-frame-id][data-failed=true]')).toHaveLength(lost.length);
  });
});
