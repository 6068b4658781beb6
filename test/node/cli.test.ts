import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BCCD_DIR } from '../support/frames.js';

const run = promisify(execFile);
const cli = (args: string[]): Promise<{ stdout: string; stderr: string; code?: number }> =>
  run('node', ['bin/smearscope.js', ...args], { maxBuffer: 64 * 2 ** 20 }).catch(
    (error) => error as { stdout: string; stderr: string; code: number },
  );

describe('smearscope CLI', () => {
  it('analyze --help documents the contract', async () => {
    const { stdout } = await cli(['analyze', '--help']);
    for (const option of [
      '--model',
      '--backend',
      'auto | wasm | webgpu | native',
      '--microns-per-pixel',
      '--locate-only',
      '--out',
      '--format',
    ]) {
      expect(stdout).toContain(option);
    }
    for (const field of [
      'frames',
      'micronsPerPixel',
      'scaleEstimated',
      'box: [x0, y0, x1, y1]',
      'probs: { CODE: p }',
      'confidence',
      'abstained',
      'differential',
    ]) {
      expect(stdout).toContain(field);
    }
  });

  it('analyze writes a JSON report with classified cells and a differential', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-cli-'));
    const names = readdirSync(BCCD_DIR)
      .filter((n) => n.endsWith('.jpg'))
      .sort()
      .slice(0, 3);
    for (const name of names) copyFileSync(join(BCCD_DIR, name), join(dir, name));
    writeFileSync(join(dir, 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2]));
    const out = join(dir, 'report.json');
    const result = await cli([
      'analyze',
      dir,
      '--backend',
      'wasm',
      '--out',
      out,
      '--workers',
      '1',
      '--inference-sessions',
      '2',
      '--microns-per-pixel',
      '0.075',
    ]);
    // One broken file: exit code 1, the rest analyzed, the broken one reported.
    expect((result as { code?: number }).code).toBe(1);
    expect(result.stderr).toMatch(/broken\.png: error \[DECODE_FAILED\]/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.backend.name).toBe('wasm');
    expect(report.backend.inferenceSessions).toBe(2);
    expect(report.frames).toHaveLength(4);
    const good = report.frames.filter((f: { error?: unknown }) => !f.error);
    expect(good).toHaveLength(3);
    for (const frame of good) {
      expect(frame.width).toBe(640);
      expect(frame.scaleEstimated).toBe(false);
      expect(frame.cells.length).toBeGreaterThan(0);
      for (const cell of frame.cells) {
        expect(cell.box).toHaveLength(4);
        expect(report.model.classes).toContain(cell.class);
        const sum = Object.values(cell.probs as Record<string, number>).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 4);
        expect(cell.confidence).toBe(Math.max(...(Object.values(cell.probs) as number[])));
      }
    }
    // The progress line a frame lists its cells' classes, an abstained cell's best guess marked "?".
    for (const frame of good) {
      const line = result.stderr.split('\n').find((l: string) => l.includes(`${frame.file}: ${frame.cells.length} cell(s)`));
      expect(line, frame.file).toBeDefined();
      const marked = line!.split(' ').filter((token: string) => /^[A-Z]+\?$/.test(token)).length;
      expect(marked).toBe(frame.cells.filter((cell: { abstained: boolean }) => cell.abstained).length);
    }
    expect(
      report.differential.countedCells +
        report.differential.abstained.count +
        report.differential.notCounted.reduce((n: number, c: { count: number }) => n + c.count, 0),
    ).toBe(good.reduce((n: number, f: { cells: unknown[] }) => n + f.cells.length, 0));
    expect(report.differential.disclaimer).toMatch(/not a diagnosis|never a diagnosis/i);
  });

  it('--locate-only reports positions only, --format csv one row per cell', async () => {
    const frame = join(
      BCCD_DIR,
      readdirSync(BCCD_DIR)
        .filter((n) => n.endsWith('.jpg'))
        .sort()[0],
    );
    const located = await cli(['analyze', frame, '--locate-only', '--quiet', '--microns-per-pixel', '0.075']);
    // Without --microns-per-pixel the scale is estimated per frame, and the report says so.
    const estimated = JSON.parse((await cli(['analyze', frame, '--locate-only', '--quiet'])).stdout).frames[0];
    expect(estimated.scaleEstimated).toBe(true);
    const report = JSON.parse(located.stdout);
    expect(report.frames[0].cells.length).toBeGreaterThan(0);
    expect(Object.keys(report.frames[0].cells[0]).sort()).toEqual(['box', 'crossesBorder', 'ratio', 'x', 'y']);
    expect(report.differential).toBeNull();
    const scale = ['--microns-per-pixel', '0.075', '--quiet', '--backend', 'wasm'];
    const csv = await cli(['analyze', frame, '--format', 'csv', ...scale]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^file,micronsPerPixel,scaleSource,x,y,x0,y0,x1,y1,ratio,class,confidence/);
    expect(lines[1]).toMatch(/^[^,]+,0.075,given,/);
    expect(lines.length - 1).toBe(JSON.parse((await cli(['analyze', frame, ...scale])).stdout).frames[0].cells.length);
  });

  it('rejects bad options with a typed error and exit code 2 (1 is kept for "some frames failed")', async () => {
    const result = await cli(['analyze', BCCD_DIR, '--backend', 'cuda']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error \[INVALID_ARGUMENT\]: --backend must be one of auto, webgpu, wasm, native/);
    const missing = await cli(['analyze', '/nonexistent/folder']);
    expect(missing.stderr).toMatch(/error \[IO_FAILED\]/);
    expect(missing.code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    // A folder of folders beside a real one: refused, not silently skipped.
    const nested = mkdtempSync(join(tmpdir(), 'smearscope-nested-'));
    mkdirSync(join(nested, 'slide-1'));
    const folderOfFolders = await cli(['analyze', nested, BCCD_DIR, '--locate-only']);
    expect(folderOfFolders.code).toBe(2);
    expect(folderOfFolders.stderr).toMatch(
      /error \[INVALID_ARGUMENT\]: no PNG\/JPEG\/TIFF images in .*not searched recursively; it holds slide-1/,
    );
    const help = await cli(['analyze', '--help']);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*some frames failed.*\n {2}2 .*usage.*fatal/);
  });

  it('checks --out before any work: an unwritable path fails at once with a typed error and exit code 2', async () => {
    for (const out of ['/nonexistent-folder/report.json', BCCD_DIR]) {
      const result = await cli(['analyze', BCCD_DIR, '--out', out]);
      expect(result.code, out).toBe(2);
      expect(result.stderr).toMatch(/^error \[INVALID_ARGUMENT\]: --out .*nothing was analyzed/);
      expect(result.stderr).not.toMatch(/frame\(s\), model/); // no scope was created, no frame read
    }
  });
});

/** Starts `analyze` over the BCCD folder, waits until `ready(stdout, stderr)`, sends `signal`, and
 * returns what the process wrote and its exit code. */
function interruptAfter(args: string[], ready: (stdout: string, stderr: string) => boolean, signal: NodeJS.Signals) {
  return new Promise<{ stdout: string; stderr: string; code: number | null; linesBeforeSignal: number }>((done) => {
    const child = spawn('node', [
      'bin/smearscope.js',
      'analyze',
      BCCD_DIR,
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--microns-per-pixel',
      '0.075',
      ...args,
    ]);
    let stdout = '';
    let stderr = '';
    let linesBeforeSignal = -1;
    const poke = () => {
      if (linesBeforeSignal < 0 && ready(stdout, stderr)) {
        linesBeforeSignal = stdout.split('\n').length - 1;
        child.kill(signal);
      }
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      poke();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      poke();
    });
    child.on('exit', (code) => done({ stdout, stderr, code, linesBeforeSignal }));
  });
}

describe('smearscope analyze, stopped early', () => {
  it('--format jsonl streams one line per frame as it completes; SIGINT ends it with an "end" line, interrupted', async () => {
    const run = await interruptAfter(['--format', 'jsonl'], (stdout) => (stdout.match(/"type":"frame"/g) ?? []).length >= 3, 'SIGINT');
    // Frame lines were on stdout while the run was going (streamed, not written at the end).
    expect(run.linesBeforeSignal).toBeGreaterThanOrEqual(4);
    expect(run.code).toBe(130);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0].type).toBe('run');
    const frames = lines.filter((l) => l.type === 'frame');
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames.length).toBeLessThan(364);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i));
    const end = lines.at(-1);
    expect(end).toMatchObject({ type: 'end', interrupted: true, framesDone: frames.length });
  }, 300_000);

  it('SIGTERM mid-run still writes the JSON report of the frames done, with interrupted: true', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-cli-'));
    const out = join(dir, 'report.json');
    const run = await interruptAfter(['--out', out], (_, stderr) => (stderr.match(/cell\(s\)/g) ?? []).length >= 3, 'SIGTERM');
    expect(run.code).toBe(143);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.interrupted).toBe(true);
    expect(report.frames.length).toBeGreaterThanOrEqual(3);
    expect(report.frames.length).toBeLessThan(364);
    expect(report.differential.countedCells + report.differential.abstained.count).toBeGreaterThan(0);
  }, 300_000);
});
