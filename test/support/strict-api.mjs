// Calls the public API with bad arguments, under `node --unhandled-rejections=strict` (see
// scope-arguments.test.ts): an unhandled rejection anywhere in the library ends this process with
// a non-zero code before it prints its one line of JSON: { call: error code | 'ok' }.
// argv: <model card> <an image file>
import { readFileSync } from 'node:fs';
import { createScope } from '../../dist/node/index.js';

const [card, image] = process.argv.slice(2);
const encoded = () => ({ encoded: new Uint8Array(readFileSync(image)), label: 'image', micronsPerPixel: 0.075 });
const outcomes = {};
const record = async (name, call) => {
  try {
    const result = await call();
    outcomes[name] = result?.error?.code ?? 'ok';
  } catch (error) {
    outcomes[name] = typeof error?.code === 'string' ? error.code : `untyped: ${error}`;
  }
};
// Each result's code, then the code the stream ended with if it threw.
const drain = async (stream) => {
  const codes = [];
  try {
    for await (const result of stream) codes.push(result.error?.code ?? 'ok');
  } catch (error) {
    codes.push(`then ${typeof error?.code === 'string' ? error.code : `untyped: ${error}`}`);
  }
  return { error: { code: codes.join(',') } };
};

const scope = await createScope({ model: card, backend: 'wasm', workers: 1, batchSize: 4 });
await record('analyzeFrame(null)', () => scope.analyzeFrame(null));
await record('analyzeFrame(undefined)', () => scope.analyzeFrame(undefined));
await record('analyzeFrame(42)', () => scope.analyzeFrame(42));
await record('analyzeFrame({})', () => scope.analyzeFrame({}));
await record('analyzeFrame({ encoded: "x" })', () => scope.analyzeFrame({ encoded: 'x' }));
await record('analyzeFrame({ ...raw, stageMicrons: null })', () =>
  scope.analyzeFrame({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(12), stageMicrons: null }),
);
await record('analyzeFrame({ ...encoded, stageMicrons: { x: "a" } })', () =>
  scope.analyzeFrame({ ...encoded(), stageMicrons: { x: 'a', y: 1 } }),
);
await record('analyzeFrame({ ...encoded, micronsPerPixel: "0.1" })', () => scope.analyzeFrame({ ...encoded(), micronsPerPixel: '0.1' }));
await record('analyzeFrame(frame, { microsPerPixel })', () => scope.analyzeFrame(encoded(), { microsPerPixel: 0.075 }));
await record('analyzeFrame(frame, { thresholds: { confidance } })', () =>
  scope.analyzeFrame(encoded(), { thresholds: { confidance: 0.9 } }),
);
await record('analyzeFrame(frame, null)', () => scope.analyzeFrame(encoded(), null));
await record('analyzeFrame(frame, { signal: 1 })', () => scope.analyzeFrame(encoded(), { signal: 1 }));
await record('analyzeFrame(frame, { thresholds: 3 })', () => scope.analyzeFrame(encoded(), { thresholds: 3 }));
await record('analyzeStream(null)', () => drain(scope.analyzeStream(null)));
await record('analyzeStream(42)', () => drain(scope.analyzeStream(42)));
await record('analyzeStream([null, 1, "a", frame])', () => drain(scope.analyzeStream([null, 1, 'a', encoded()])));
await record('analyzeStream(source whose iterator throws)', () =>
  drain(
    scope.analyzeStream({
      [Symbol.iterator]() {
        throw new Error('camera not connected');
      },
    }),
  ),
);
await record('analyzeStream(throwing source)', () =>
  drain(
    scope.analyzeStream(
      (function* () {
        yield encoded();
        throw new Error('camera unplugged');
      })(),
    ),
  ),
);
await record('analyzeStream(onProgress throws)', () =>
  drain(
    scope.analyzeStream([encoded(), encoded()], {
      onProgress: () => {
        throw new Error('x');
      },
    }),
  ),
);
await record('analyzeFrame(frame)', () => scope.analyzeFrame(encoded()));
await record('createScope({ backend: "cuda" })', () => createScope({ model: card, backend: 'cuda' }));
await record('createScope({ batchsize: 4 })', () => createScope({ model: card, batchsize: 4 }));
await record('createScope({ frameLimits: { decodeMS } })', () => createScope({ model: card, frameLimits: { decodeMS: 5 } }));
await record('createScope({ model: 5 })', () => createScope({ model: 5 }));
// Let late rejections surface before the verdict.
await new Promise((resolve) => setTimeout(resolve, 500));
await scope.dispose();
await record('analyzeFrame after dispose', () => scope.analyzeFrame(encoded()));
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify(outcomes));
