import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNeeded } from '../../scripts/ensure-built.mjs';

describe('npm start / smearscope build only when dist/ is stale', () => {
  it('says why a build is needed, and nothing when dist/ is newer than every source', () => {
    const root = mkdtempSync(join(tmpdir(), 'smearscope-built-'));
    const write = (path: string, seconds: number) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), '');
      utimesSync(join(root, path), seconds, seconds);
    };
    write('src/scope.ts', 1000);
    write('workers/inference.worker.ts', 1000);
    const outputs = ['dist/node/cli.js', 'dist/node/index.js', 'dist/browser/index.js', 'dist/types/src/index.d.ts'];
    for (const output of outputs.slice(1)) write(output, 2000);
    expect(buildNeeded(root)).toBe('dist/node/cli.js is missing');
    write(outputs[0], 2000);
    for (const folder of ['src', 'workers']) utimesSync(join(root, folder), 1000, 1000);
    expect(buildNeeded(root)).toBeUndefined();
    write('src/scope.ts', 3000);
    expect(buildNeeded(root)).toBe('src changed since the last build');
    rmSync(join(root, 'src'), { recursive: true });
    expect(buildNeeded(root)).toBeUndefined(); // an installed package: no sources, dist/ as published
  });
});
