// Usage: node examples/node/analyze.mjs <image> [micronsPerPixel]
// Classifies the white cells of one image with the shipped default model and prints them as JSON.
import { readFile } from 'node:fs/promises';
import { createScope, models } from 'smearscope';

const [image, micronsPerPixel] = process.argv.slice(2);
if (!image) {
  console.error('usage: node examples/node/analyze.mjs <image> [micronsPerPixel]');
  process.exit(1);
}
const scope = await createScope({ model: models[0].id, workers: 1 });
try {
  const result = await scope.analyzeFrame({
    encoded: await readFile(image),
    label: image,
    ...(micronsPerPixel ? { micronsPerPixel: Number(micronsPerPixel) } : {}),
  });
  const cells = result.cells.map((cell) => ({
    x: Math.round(cell.x),
    y: Math.round(cell.y),
    class: cell.decision?.class,
    confidence: cell.decision?.confidence,
  }));
  console.log(JSON.stringify({ model: scope.card.id, backend: scope.backend, micronsPerPixel: result.micronsPerPixel, cells }, null, 2));
} finally {
  await scope.dispose();
}
