import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bccdFiles, launchStation, openFrames, screenshots, type StationBrowser, waitForFrames } from '../support/station.js';

// What the station shows of each frame and carries into the slide: the SDK's scale warnings, failed
// frames, the source of a scale. Real Chromium (wasm backend), frames chosen in the file input.
const PB8 = 'model=/models/pb8-resnet10gc.json';

interface Record {
  report: { scaleFlag: { raised: boolean; framesWithWarning: number; framesSeen: number } };
  frames: Array<{ scaleWarning?: string }>;
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
});
