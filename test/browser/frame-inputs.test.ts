// What a web page holds in place of a frame (a File from an <input>, an <img>, an ImageBitmap, an
// ImageData, a fetched ArrayBuffer) is refused with a message that says how to make a frame of it,
// not "frame size must be positive integers, got undefined x undefined".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';

describe('browser objects given as frames', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await openBrowser({ webgpu: false });
  });
  afterAll(async () => session?.close());

  it('each is INVALID_FRAME saying how to make a frame of it', async () => {
    const messages = await callInPage<Record<string, string>>(session.page, '/test/browser/frame-inputs-page.js', 'refusals', []);
    expect(messages.File).toMatch(
      /^INVALID_FRAME: a frame cannot be a File as such: read its bytes, \{ encoded: new Uint8Array\(await file\.arrayBuffer\(\)\) \}/,
    );
    expect(messages.ImageData).toMatch(
      /^INVALID_FRAME: .*an ImageData as such: pass \{ width: d\.width, height: d\.height, channels: 4, pixels: d\.data \}/,
    );
    for (const kind of ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement'])
      expect(messages[kind]).toMatch(new RegExp(`^INVALID_FRAME: a frame cannot be an ${kind}: draw it on a canvas`));
    expect(messages['encoded ArrayBuffer']).toMatch(/frame\.encoded must be the image file as a Uint8Array, not an ArrayBuffer: wrap it/);
    expect(messages['encoded File']).toMatch(/frame\.encoded must be the image file as a Uint8Array, not a File as such: read its bytes/);
  }, 120_000);
});
