import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bccdFiles,
  classKey,
  launchStation,
  openFrames,
  pressCtrl,
  screenshots,
  type StationBrowser,
  statusLine,
  tileClasses,
  waitForFrames,
} from '../support/station.js';

// Keyboard review as a cytologist does it, key after key without looking away from the cells:
// where the focus goes, which keys work where. Real Chromium (wasm backend), pb8 on BCCD frames.
const UNIDENTIFIED = 'unidentified';

describe('review station keyboard (Chromium, wasm)', () => {
  let station: StationBrowser;
  let page: Page;

  beforeAll(async () => {
    station = await launchStation();
    page = station.page;
    await station.open('backend=wasm&session=keys&model=/models/pb8-resnet10gc.json');
    await openFrames(page, bccdFiles(0, 6));
    await waitForFrames(page, 6);
  });
  afterAll(async () => {
    await station?.close();
  });

  it('refuses a reclassification until the operator name is typed, and marks the field', async () => {
    await page.click('[data-tab=gallery]');
    const before = await tileClasses(page);
    const [id, from] = Object.entries(before)[0];
    await page.click(`[data-cell-id="${id}"]`);
    await page.keyboard.press(await classKey(page, from === 'LYT' ? 'MON' : 'LYT'));
    expect(await tileClasses(page)).toEqual(before);
    expect(await statusLine(page)).toMatch(/^Not changed: type the operator name first: every change is logged with it/);
    expect(await page.$eval('input[data-role=operator]', (input) => input.getAttribute('aria-invalid'))).toBe('true');
    await screenshots(page, 'keys-no-operator');
    await page.type('input[data-role=operator]', 'A. Cytologist');
    expect(await page.$eval('input[data-role=operator]', (input) => input.getAttribute('aria-invalid'))).toBeNull();
    await page.click(`[data-cell-id="${id}"]`);
    await page.keyboard.press(await classKey(page, from === 'LYT' ? 'MON' : 'LYT'));
    expect((await tileClasses(page))[id]).toBe(from === 'LYT' ? 'MON' : 'LYT');
    await pressCtrl(page, 'z');
    expect(await tileClasses(page)).toEqual(before);
  });

  it('stops at the end of the group under review: extra key presses never change cells of another group', async () => {
    await page.click('[data-tab=gallery]');
    const before = await tileClasses(page);
    const unidentified = Object.keys(before).filter((id) => before[id] === UNIDENTIFIED);
    expect(unidentified.length).toBeGreaterThanOrEqual(2);
    // The class the cells go to: the last group (in screen order) with no cells yet, so that groups
    // with accepted calls lie between the unidentified group and it.
    const codes = await page.$$eval('.ss-group[data-drop-class]', (groups) => groups.map((g) => (g as HTMLElement).dataset.dropClass!));
    const target = codes.filter((code) => !Object.values(before).includes(code)).at(-1)!;
    const accepted = Object.fromEntries(Object.entries(before).filter(([, code]) => code !== UNIDENTIFIED));
    expect(Object.values(accepted).some((code) => codes.indexOf(code) < codes.indexOf(target))).toBe(true);

    await page.click(`[data-cell-id="${unidentified[0]}"]`);
    const key = await classKey(page, target);
    for (let n = 0; n < unidentified.length + 3; n++) await page.keyboard.press(key);

    const after = await tileClasses(page);
    for (const id of unidentified) expect(after[id]).toBe(target);
    for (const [id, code] of Object.entries(accepted)) expect(after[id]).toBe(code);
    expect(await statusLine(page)).toMatch(/no more cells in “Unidentified”; focus stays on this cell/);
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.cellId);
    expect(focused).toBe(unidentified.at(-1));
    await screenshots(page, 'keys-group-end');
  });

  it('Ctrl+Z undoes also after a click on a part of the station that takes no focus; a text field keeps its own undo', async () => {
    await page.click('[data-tab=gallery]');
    const [id, from] = Object.entries(await tileClasses(page))[0];
    const to = from === 'LYT' ? 'MON' : 'LYT';
    await page.click(`[data-cell-id="${id}"]`);
    await page.keyboard.press(await classKey(page, to));
    expect((await tileClasses(page))[id]).toBe(to);
    await page.click('.ss-differential h2');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    await pressCtrl(page, 'z');
    expect((await tileClasses(page))[id]).toBe(from);
    expect(await statusLine(page)).toMatch(/^Undone: cell /);

    await page.click(`[data-cell-id="${id}"]`);
    await page.keyboard.press(await classKey(page, to));
    await page.click('input[data-role=operator]');
    await page.keyboard.press('End');
    await page.keyboard.type(' (locum)');
    await pressCtrl(page, 'z');
    expect((await tileClasses(page))[id]).toBe(to);
    expect(await page.$eval('input[data-role=operator]', (input) => (input as HTMLInputElement).value)).toBe('A. Cytologist');
  });

  it('number keys reclassify a cell chosen in the overview, by a click or by Tab and Enter on its outline', async () => {
    await page.click('[data-tab=overview]');
    const outlineClass = (id: string) => page.$eval(`[data-outline-cell="${id}"]`, (g) => (g as SVGGElement).dataset.outlineClass);
    const first = await page.$eval('[data-outline-cell]', (g) => (g as SVGGElement).dataset.outlineCell!);
    const to = (await outlineClass(first)) === 'EOS' ? 'MON' : 'EOS';
    await page.click(`[data-outline-cell="${first}"]`);
    await page.keyboard.press(await classKey(page, to));
    expect(await outlineClass(first)).toBe(to);
    expect((await tileClasses(page))[first]).toBe(to);
    expect(await statusLine(page)).toMatch(new RegExp(`^Cell ${first}: \\S+ → ${to}`));

    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => (document.activeElement as unknown as SVGGElement).dataset.outlineCell!);
    expect(next).toBeDefined();
    expect(next).not.toBe(first);
    await page.keyboard.press('Enter');
    const again = (await outlineClass(next)) === 'EOS' ? 'MON' : 'EOS';
    await page.keyboard.press(await classKey(page, again));
    expect(await outlineClass(next)).toBe(again);
    expect(await page.$eval('.ss-detail-text', (detail) => detail.textContent)).toMatch(new RegExp(`cell ${next} `));
    await screenshots(page, 'keys-overview');
  });
});
