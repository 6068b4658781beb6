// Child process for pipeline-reliability.test.ts: every inference batch overruns a 1 ms budget, so
// the inference worker is being replaced when the stream ends and the scope is disposed. The
// process must then exit on its own: a worker spawned after dispose() would keep it alive forever.
// Prints the result codes as JSON on its last line.
import { readFileSync } from 'node:fs';
import { createScope } from '../../dist/node/index.js';

const [card, image, backend] = process.argv.slice(2);
const encoded = new Uint8Array(readFileSync(image));
const scope = await createScope({ model: card, backend, batchSize: 8, workers: 1, frameLimits: { inferenceMs: 1 } });
const codes = [];
for await (const result of scope.analyzeStream(
  Array.from({ length: 6 }, (_, i) => ({ encoded, label: `f${i}`, micronsPerPixel: 0.075 })),
)) {
  codes.push(result.error?.code ?? 'ok');
}
await scope.dispose();
console.log(JSON.stringify(codes));
