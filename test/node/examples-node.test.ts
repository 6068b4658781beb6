import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BCCD_DIR } from '../support/frames.js';

const run = promisify(execFile);

describe('examples/node', () => {
  it('classifies the white cells of a BCCD frame', async () => {
    const { stdout } = await run('node', ['examples/node/analyze.mjs', join(BCCD_DIR, 'BloodImage_00000.jpg'), '0.075']);
    const report = JSON.parse(stdout) as { model: string; backend: string; cells: Array<{ class?: string }> };
    expect(report.model).toBe('bm7-resnet10s');
    expect(['native', 'wasm']).toContain(report.backend);
    expect(report.cells.length).toBeGreaterThan(0);
    for (const cell of report.cells) expect(cell.class).toMatch(/^[A-Z]{3}$/);
  });
});
