import { execFile } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BCCD_DIR } from '../support/frames.js';

const run = promisify(execFile);

// What a consumer gets: `npm pack`, then an install into an empty folder that has none of this
// repo's npm configuration (npm reaches the registry only). Runs the packed dist/ (npm test builds it).
describe('the packed package in an empty folder', () => {
  const consumer = mkdtempSync(join(tmpdir(), 'smearscope-consumer-'));
  let tarball = '';
  let packed: { size: number; unpackedSize: number; files: Array<{ path: string; size: number }> };
  // No npm_config_* from the test runner's own npm (e.g. a user's flags) leaks into the installs.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const npm = (args: string[], extra: Record<string, string> = {}) =>
    run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: consumer,
      env: { ...env, ...extra },
      maxBuffer: 64 * 2 ** 20,
    });
  const analyze = (backend: string) =>
    run('node', ['analyze.mjs', backend, resolve(BCCD_DIR, 'BloodImage_00000.jpg')], { cwd: consumer, env }).then(
      (r) => JSON.parse(r.stdout) as { backend?: string; cells?: number; code?: string; message?: string },
    );

  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', consumer], {
      env,
      maxBuffer: 64 * 2 ** 20,
    });
    const [info] = JSON.parse(stdout);
    packed = info;
    tarball = join(consumer, info.filename);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    writeFileSync(
      join(consumer, 'analyze.mjs'),
      `
import { readFileSync } from 'node:fs';
import { createScope, models } from 'smearscope';
const [backend, image] = process.argv.slice(2);
try {
  const scope = await createScope({ model: models[0].id, backend, workers: 1 });
  const result = await scope.analyzeFrame({ encoded: readFileSync(image), micronsPerPixel: 0.075 });
  await scope.dispose();
  console.log(JSON.stringify({ backend: scope.backend, cells: result.cells.filter((c) => c.decision).length }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`,
    );
    await npm(['install', tarball]);
  }, 600_000);

  it('is lean: no source maps, bench or training files; sizes printed', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(bench|train|zoo)(\/|\.|$)/.test(p))).toEqual([]);
    expect(paths).toContain('dist/browser/index.js');
    expect(paths).toContain('models/README.md'); // the models' figures, which the README points to
    const main = packed.files.find((f) => f.path === 'dist/browser/index.js')!.size;
    const models = packed.files.filter((f) => f.path.startsWith('models/')).reduce((n, f) => n + f.size, 0);
    console.log(
      `packed ${(packed.size / 1e6).toFixed(2)} MB (unpacked ${(packed.unpackedSize / 1e6).toFixed(1)} MB, of which models ${(models / 1e6).toFixed(1)} MB); ` +
        `main browser bundle ${(main / 1e3).toFixed(0)} KB; ${paths.length} files`,
    );
    expect(statSync(tarball).size).toBe(packed.size);
  });

  it('its type declarations compile for a browser app: strict, skipLibCheck off, no @webgpu/types or @types/node', async () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom'],
          types: [],
          noEmit: true,
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'app.ts'),
      "import { createScope, createSlide, type FrameResult } from 'smearscope';\n" +
        'export async function count(frame: FrameResult): Promise<number> {\n' +
        '  const scope = await createScope();\n' +
        '  const slide = createSlide({ scheme: scope.scheme });\n' +
        '  slide.addFrame(frame);\n' +
        '  await scope.dispose();\n' +
        '  return slide.report().countedCells;\n' +
        '}\n' +
        // The review station element, as a bundler imports it (README: "smearscope/ui").
        "import { SmearscopeReview } from 'smearscope/ui';\n" +
        "export const station: SmearscopeReview | null = document.querySelector<SmearscopeReview>('smearscope-review');\n",
    );
    // tsc exits non-zero with the errors on stdout (e.g. "Cannot find name 'GPUDevice'" from a
    // declaration that needs WebGPU's global types).
    const tsc = resolve('node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', '.'], { cwd: consumer, env }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
    // The element's module resolves, for a bundler (browser conditions) as for Node's resolver.
    const { stdout } = await run('node', ['--input-type=module', '-e', "console.log(import.meta.resolve('smearscope/ui'))"], {
      cwd: consumer,
      env,
    });
    expect(stdout.trim()).toMatch(/node_modules\/smearscope\/dist\/ui\/review\.js$/);
  }, 120_000);

  it('without onnxruntime-node, native says how to install it', async () => {
    const result = await analyze('native');
    expect(result.code).toBe('BACKEND_UNAVAILABLE');
    expect(result.message).toContain('ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node');
  }, 120_000);

  it("with onnxruntime-node installed as the README says, backend 'native' classifies a BCCD frame", async () => {
    await npm(['install', 'onnxruntime-node@1.30.0'], { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    const result = await analyze('native');
    expect(result).toMatchObject({ backend: 'native' });
    expect(result.cells).toBeGreaterThan(0);
  }, 600_000);
});
