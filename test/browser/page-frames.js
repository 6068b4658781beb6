// Shared by the test pages: frames arrive from Node as JSON (pixels in base64, see
// test/support/page-run.ts) and become RGBA frames for createScope's analyzeStream.
function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The page's frames as smearscope RGBA frames (fresh pixel buffers, owned by the caller). */
export function toFrames(pageFrames) {
  return pageFrames.map((f) => ({
    width: f.width,
    height: f.height,
    channels: 4,
    pixels: fromBase64(f.pixels),
    label: f.label,
    micronsPerPixel: f.micronsPerPixel,
  }));
}
