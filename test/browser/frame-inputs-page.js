// Page side of frame-inputs.test.ts: what a page holds in place of a frame, each given to analyzeFrame.
import { createScope } from '/dist/browser/index.js';

/** Each object's error as "CODE: message" ('accepted' if one were taken). */
export async function refusals() {
  const scope = await createScope({ locateOnly: true, workers: 1 });
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 8;
  const imageData = canvas.getContext('2d').getImageData(0, 0, 8, 8);
  const file = new File([new Uint8Array(16)], 'frame.jpg', { type: 'image/jpeg' });
  const inputs = {
    File: file,
    ImageData: imageData,
    ImageBitmap: await createImageBitmap(imageData),
    HTMLImageElement: new Image(),
    HTMLCanvasElement: canvas,
    'encoded ArrayBuffer': { encoded: new ArrayBuffer(16) },
    'encoded File': { encoded: file },
  };
  const out = {};
  for (const [name, input] of Object.entries(inputs)) {
    try {
      await scope.analyzeFrame(input);
      out[name] = 'accepted';
    } catch (error) {
      out[name] = `${error.code}: ${error.message}`;
    }
  }
  await scope.dispose();
  return out;
}
