import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bccdFiles,
  classKey,
  launchStation,
  openFrames,
  screenshots,
  signOffAnswer,
  type StationBrowser,
  statusLine,
  tileClasses,
  waitForFrames,
} from '../support/station.js';

// What the station shows of each frame and carries into the slide: the SDK's scale warnings, failed
// frames, the source of a scale. Real Chromium (wasm backend), frames chosen in the file input.
const PB8 = 'model=/models/pb8-resnet10gc.json';
/** Single-cell crops (bm-matek-7): too few erythrocytes for a scale of their own. */
const MATEK_LYT = '../shared/data/bm-matek-7/LYT';

interface Record {
  report: { scaleFlag: { raised: boolean; framesWithWarning: number; framesSeen: number } };
  frames: Array<{ scaleWarning?: string }>;
  signOff: { overridden: string[]; failedFrames: string[] } | null;
}

/** A file named .jpg that is no JPEG: it fails to decode, as a truncated upload does. */
function corruptFrame(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'smearscope-bad-frame-')), 'corrupt.jpg');
  writeFileSync(path, 'not a JPEG at all');
  return path;
}

describe('review station frames (Chromium, wasm)', () => {
  let station: StationBrowser;
  let page: Page;
  const exportRecord = () =>
    page.evaluate(() =>
      (document.querySelector('smearscope-review') as unknown as { exportRecord(): unknown }).exportRecord(),
    ) as Promise<Record>;

  beforeAll(async () => {
    station = await launchStation();
    page = station.page;
  });
  afterAll(async () => {
    await station?.close();
  });

  it('shows the scale warning of each frame whose typed µm/px disagrees with its erythrocytes, and on the slide, and reports it', async () => {
    await station.open(`backend=wasm&session=scale&${PB8}`);
    await page.type('input[data-role=microns-per-pixel]', '0.2'); // BCCD is about 0.075
    await openFrames(page, bccdFiles(0, 2));
    await waitForFrames(page, 2);
    const warnings = await page.$$eval('figure[data-frame-id] [data-role=scale-warning]', (spans) => spans.map((s) => s.textContent));
    expect(warnings).toHaveLength(2);
    for (const warning of warnings)
      expect(warning).toMatch(/^⚠ Scale: the given scale 0\.2 um\/px disagrees with the frame's \d+ erythrocytes/);
    const slideFlag = await page.$eval('[data-role=scale-flag]', (p) => ({
      shown: (p as HTMLElement).offsetHeight > 0,
      text: p.textContent,
    }));
    expect(slideFlag.shown).toBe(true);
    expect(slideFlag.text).toMatch(/^⚠ Scale warning on 2 of 2 frames: the given µm\/px disagrees with the erythrocytes/);
    const record = await exportRecord();
    expect(record.report.scaleFlag).toMatchObject({ raised: true, framesWithWarning: 2, framesSeen: 2 });
    expect(record.frames.every((frame) => /disagrees/.test(frame.scaleWarning ?? ''))).toBe(true);
    expect(station.errors).toEqual([]);
    await screenshots(page, 'scale-warning');
  });

  it('counts failed frames wherever frames are counted, and signs off over them only with a typed acknowledgement, recorded', async () => {
    await station.open(`backend=wasm&session=failed&target=1&${PB8}`);
    await openFrames(page, [...bccdFiles(0, 2), corruptFrame()]);
    await waitForFrames(page, 3);
    expect(await statusLine(page)).toMatch(/ · 3 frames \(1 failed\) · \d+ cells?$/);
    // Type the name, review every cell: only the failed frame is left in the way.
    await page.type('input[data-role=operator]', 'A. Cytologist');
    await page.click('[data-tab=gallery]');
    const ngs = await classKey(page, 'NGS');
    for (let guard = 0; guard < 50; guard++) {
      const next = await page.$('[data-cell-class=unidentified]');
      if (!next) break;
      await next.click();
      await page.keyboard.press(ngs);
    }
    const blockers = await page.$eval('.ss-blockers', (list) => list.textContent);
    expect(blockers).toBe('✗ 1 of 3 frames not analyzed (corrupt.jpg)');
    await page.$eval('.ss-signoff', (section) => section.scrollIntoView());
    await screenshots(page, 'failed-frame-signoff');
    await page.click('[data-action=sign-off]');
    expect(await signOffAnswer(page)).toMatch(/^Sign-off refused: review incomplete: 1 of 3 frames not analyzed \(corrupt\.jpg\)/);
    await page.type('[data-role=override-reason]', 'corrupt.jpg is rescanned as slide 2');
    await page.click('[data-action=sign-off]');
    expect(await signOffAnswer(page)).toMatch(/^Signed off by A\. Cytologist at .* with blockers overridden \(1 of 3 frames not analyzed/);
    const record = await exportRecord();
    expect(record.signOff).toMatchObject({ failedFrames: ['corrupt.jpg'], overridden: ['1 of 3 frames not analyzed (corrupt.jpg)'] });
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    expect(await page.$eval('[data-role=print-header]', (header) => header.textContent)).toMatch(/ · 3 frames \(1 failed\) · \d+ cells?/);
  });

  it('shows no blast score or blast flag for a model whose scheme has no blast class: says the flags are not computed', async () => {
    await station.open(`backend=wasm&session=noblast&${PB8}`);
    await openFrames(page, bccdFiles(0, 1));
    await waitForFrames(page, 1);
    await page.click('[data-tab=gallery]');
    await page.click('[data-cell-id="0:0"]');
    await page.waitForSelector('.ss-detail canvas[data-drawn="0:0"]');
    const tiles = await page.$$eval('[data-cell-id]', (all) => all.map((tile) => `${tile.textContent} ${tile.getAttribute('aria-label')}`));
    expect(tiles.length).toBeGreaterThan(0);
    for (const tile of tiles) {
      expect(tile).not.toMatch(/blast/i);
      expect(tile).toMatch(/atyp 0\.\d\d/); // pb8 has an atypical class: that score stays
    }
    expect(await page.$eval('.ss-detail', (detail) => detail.textContent)).not.toMatch(/blast/i);
    expect(await statusLine(page)).toMatch(/ · 1 frame · 1 cell$/); // BloodImage_00000.jpg: one leukocyte
    expect(await page.$eval('.ss-extras', (extras) => extras.textContent)).not.toMatch(/blast/i);
    const flags = await page.$$eval('.ss-flags li', (items) => items.map((item) => item.textContent));
    expect(flags).toEqual([
      expect.stringMatching(/^– not computed Blast flags \(20 %, 5 %\): the model's scheme \(.+\) has no blast class/),
    ]);
    await page.$eval('.ss-flags', (list) => list.scrollIntoView());
    await screenshots(page, 'no-blast-scheme');
  });

  it('labels every estimated scale as estimated, also one taken from earlier frames (a crop without erythrocytes of its own)', async () => {
    await station.open(`backend=wasm&session=run-scale&${PB8}`);
    const crop = 'LYT_00002.jpg'; // too few erythrocytes for a confident estimate of its own, as Chromium decodes it
    await openFrames(page, [...bccdFiles(0, 2), `${MATEK_LYT}/${crop}`]); // BloodImage_* sort before LYT_*
    await waitForFrames(page, 3);
    const captions = await page.$$eval('figure[data-frame-id] figcaption', (all) => all.map((caption) => caption.textContent));
    expect(captions).toEqual([
      expect.stringMatching(/^BloodImage_00000\.jpg · \d+ cells? · 0\.\d{3} µm\/px \(estimated\)$/),
      expect.stringMatching(/^BloodImage_00001\.jpg · \d+ cells? · 0\.\d{3} µm\/px \(estimated\)$/),
      expect.stringMatching(
        new RegExp(`^${crop.replace('.', '\\.')} · \\d+ cells? · 0\\.\\d{3} µm/px \\(estimated from earlier frames\\)$`),
      ),
    ]);
    await screenshots(page, 'run-scale');
  });

  it('offers no TIFF in the file picker; a TIFF chosen anyway is a failed frame that says why; failed frames look failed', async () => {
    await station.open(`backend=wasm&session=tiff&${PB8}`);
    expect(await page.$eval('input[data-role=frame-input]', (input) => (input as HTMLInputElement).accept)).not.toMatch(/tif/i);
    const [good] = bccdFiles(0, 1);
    const tiff = join(mkdtempSync(join(tmpdir(), 'smearscope-tiff-')), 'frame.tif');
    await sharp(good).tiff().toFile(tiff); // a valid TIFF: Chromium cannot decode it all the same
    await openFrames(page, [good, tiff, corruptFrame()]); // as a folder or a drop would bring them
    await waitForFrames(page, 3);
    expect(await statusLine(page)).toMatch(/ · 3 frames \(2 failed\) · /);
    const figures = await page.$$eval('figure[data-frame-id]', (all) =>
      Object.fromEntries(
        all.map((figure) => [
          figure.querySelector('figcaption')!.textContent!.split(/[:·]/)[0].trim(),
          {
            failed: (figure as HTMLElement).dataset.failed === 'true',
            caption: figure.querySelector('figcaption')!.textContent,
            drawn: figure.querySelector('canvas') !== null,
            mark: figure.querySelector('.ss-frame-image')!.textContent,
            border: getComputedStyle(figure).borderTopColor,
          },
        ]),
      ),
    );
    expect(figures['frame.tif']).toEqual({
      failed: true,
      caption:
        'frame.tif: not analyzed — UNSUPPORTED_FORMAT: this browser cannot decode TIFF; save the frame as PNG or JPEG and open it again',
      drawn: false,
      mark: '✗ Not analyzed',
      border: 'rgb(160, 0, 0)',
    });
    expect(figures['corrupt.jpg']).toMatchObject({
      failed: true,
      caption: expect.stringMatching(/^corrupt\.jpg: not analyzed — DECODE_FAILED/),
      drawn: false,
      border: 'rgb(160, 0, 0)',
    });
    expect(figures['BloodImage_00000.jpg']).toMatchObject({ failed: false, drawn: true });
    expect(figures['BloodImage_00000.jpg'].border).not.toBe('rgb(160, 0, 0)');
    await screenshots(page, 'failed-frames');
  });

  it('says so when the rows, rounded to 0.1 %, do not add up to the 100 % of the footer', async () => {
    await station.open(`backend=wasm&session=rounding&${PB8}`);
    await openFrames(page, bccdFiles(0, 3));
    await waitForFrames(page, 3);
    await page.type('input[data-role=operator]', 'A. Cytologist');
    await page.click('[data-tab=gallery]');
    const ids = Object.keys(await tileClasses(page));
    expect(ids).toHaveLength(3); // one leukocyte per frame: one each of three classes is 33.3 % three times
    for (const [n, code] of ['EOS', 'LYT', 'MON'].entries()) {
      await page.click(`[data-cell-id="${ids[n]}"]`);
      await page.keyboard.press(await classKey(page, code));
    }
    const footer = await page.$$eval('table[data-role=differential] tfoot tr', (rows) => rows.map((row) => row.textContent));
    expect(footer).toEqual(['Counted3100 %*', '* each row is rounded to 0.1 %; shown, they add up to 99.9 %']);
    await page.$eval('table[data-role=differential] tfoot', (tfoot) => tfoot.scrollIntoView());
    await screenshots(page, 'rounding-note');
  });
});
