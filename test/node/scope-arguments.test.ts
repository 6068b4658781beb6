import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BCCD_DIR } from '../support/frames.js';
import { createScope } from '../../dist/node/index.js';
import { shippedModelCard } from '../support/test-model.js';
import { tinyModel } from '../support/tiny-model.js';

describe('createScope checks its options before any work', () => {
  it('refuses an unknown backend with a typed error listing the valid ones (never runs another backend under that name)', async () => {
    for (const backend of ['cuda', 'WASM', '', 42, null]) {
      await expect(createScope({ model: shippedModelCard(), backend: backend as never })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^backend must be one of auto, webgpu, wasm, native, got /),
      });
    }
  });

  it('names the option of every other bad value', async () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ batchSize: 0 }, /batchSize must be an integer from 1 to 1024, got 0/],
      [{ workers: 1.5 }, /workers must be an integer/],
      [{ numThreads: -1 }, /numThreads/],
      [{ inferenceSessions: 0 }, /inferenceSessions must be an integer from 1 to 16, got 0/],
      [{ border: 'wrap' }, /border must be one of reflect, constant, skip/],
      [{ locateOnly: 'yes' }, /locateOnly must be true or false/],
      [{ cellMicrons: Number.NaN }, /cellMicrons must be a positive number/],
      // A misspelt option was ignored, its default used in silence: named, with the near one.
      [{ batchsize: 4 }, /createScope options: unknown option "batchsize" \(did you mean "batchSize"\?\); known: model, /],
      [{ normaliseStain: false }, /unknown option "normaliseStain" \(did you mean "normalizeStain"\?\)/],
      [{ colourOrder: 'BGR' }, /unknown option "colourOrder"; known: /],
      [{ frameLimits: { decodeMS: 5 } }, /frameLimits: unknown option "decodeMS" \(did you mean "decodeMs"\?\)/],
    ];
    for (const [options, message] of bad) {
      await expect(createScope({ model: shippedModelCard(), ...options })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    }
    await expect(createScope(null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createScope({ model: null as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('batch size', () => {
  it("defaults to the card's fixed batch, else 8; another explicit one is MODEL_MISMATCH naming the API option and the CLI flag", async () => {
    for (const [batch, expected] of [
      [1, 1],
      [undefined, 8],
    ] as const) {
      const scope = await createScope({ model: tinyModel({ batch }), backend: 'native', workers: 1 });
      try {
        expect(scope.batchSize, String(batch)).toBe(expected);
      } finally {
        await scope.dispose();
      }
    }
    await expect(createScope({ model: tinyModel({ batch: 1 }), backend: 'native', workers: 1, batchSize: 4 })).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringMatching(/has a fixed batch of 1 .*cannot run batches of 4; .*batchSize.*--batch/),
    });
  });
});

describe('no unhandled rejection from any public entry', () => {
  it('bad arguments under --unhandled-rejections=strict give typed errors and the process lives', async () => {
    const image = `${BCCD_DIR}/${
      readdirSync(BCCD_DIR)
        .filter((n) => n.endsWith('.jpg'))
        .sort()[0]
    }`;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((done) => {
      execFile(
        'node',
        ['--unhandled-rejections=strict', 'test/support/strict-api.mjs', shippedModelCard(), image],
        { timeout: 300_000 },
        (error, out) => done({ stdout: out, code: error ? ((error as { code?: number }).code ?? 1) : 0 }),
      );
    });
    expect(code).toBe(0);
    const outcomes = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    console.log(outcomes);
    expect(outcomes).toEqual({
      'analyzeFrame(null)': 'INVALID_FRAME',
      'analyzeFrame(undefined)': 'INVALID_FRAME',
      'analyzeFrame(42)': 'INVALID_FRAME',
      'analyzeFrame({})': 'INVALID_FRAME',
      'analyzeFrame({ encoded: "x" })': 'INVALID_FRAME',
      'analyzeFrame({ ...raw, stageMicrons: null })': 'INVALID_FRAME',
      'analyzeFrame({ ...encoded, stageMicrons: { x: "a" } })': 'INVALID_FRAME',
      'analyzeFrame({ ...encoded, micronsPerPixel: "0.1" })': 'INVALID_FRAME',
      'analyzeFrame(frame, { microsPerPixel })': 'INVALID_ARGUMENT',
      'analyzeFrame(frame, { thresholds: { confidance } })': 'INVALID_ARGUMENT',
      'analyzeFrame(frame, null)': 'INVALID_ARGUMENT',
      'analyzeFrame(frame, { signal: 1 })': 'INVALID_ARGUMENT',
      'analyzeFrame(frame, { thresholds: 3 })': 'INVALID_ARGUMENT',
      'analyzeStream(null)': 'INVALID_ARGUMENT',
      'analyzeStream(42)': 'INVALID_ARGUMENT',
      'analyzeStream([null, 1, "a", frame])': 'INVALID_FRAME,INVALID_FRAME,INVALID_FRAME,ok',
      // The frame it gave is answered, then the stream ends: the source failed, no argument was wrong.
      'analyzeStream(source whose iterator throws)': 'then IO_FAILED',
      'analyzeStream(throwing source)': 'ok,then IO_FAILED',
      'analyzeStream(onProgress throws)': 'ok,ok',
      'analyzeFrame(frame)': 'ok',
      'createScope({ backend: "cuda" })': 'INVALID_ARGUMENT',
      'createScope({ batchsize: 4 })': 'INVALID_ARGUMENT',
      'createScope({ frameLimits: { decodeMS } })': 'INVALID_ARGUMENT',
      'createScope({ model: 5 })': 'INVALID_ARGUMENT',
      'analyzeFrame after dispose': 'DISPOSED',
    });
  }, 300_000);
});
