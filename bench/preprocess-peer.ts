// Node side of the NumPy/SciPy peer (bench/preprocess-peer.py): writes the frames once as raw
// files, runs the script with Debian's Python and reads its per-frame timings back.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Frame } from '../src/frame.js';
import type { PreprocessJob } from '../src/pipeline/preprocess-frame.js';
import { stainFitStrideFor } from '../src/stain/fit-stride.js';
import type { PeerPass } from './host.js';

/** Debian's interpreter, where apt puts python3-numpy and python3-scipy (BENCH_PYTHON overrides). */
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/** Run from the package root, like the rest of the bench. */
const SCRIPT = 'bench/preprocess-peer.py';
/** One pass over a few 5 MP frames takes seconds; a hung interpreter must not stall the bench. */
const PASS_TIMEOUT_MS = 300_000;

const written = new WeakMap<readonly Frame[], string>();
let modulesChecked = false;

/**
 * One pass of the peer over `frames` with `job`'s patch size, input, stain reference and fit
 * stride. Throws (the suite lists the peer as skipped) when Python, NumPy or SciPy is missing and
 * cannot be installed: as root with apt-get they are installed (python3-numpy, python3-scipy).
 */
export async function runPreprocessPeer(frames: readonly Frame[], job: PreprocessJob): Promise<PeerPass> {
  ensurePeerModules();
  const manifest = manifestFor(frames, job);
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, manifest], { timeout: PASS_TIMEOUT_MS, maxBuffer: 16 << 20 });
  const output = JSON.parse(stdout) as { numpy: string; scipy: string; python: string; frames: PeerPass['frames'] };
  return { runtime: `NumPy ${output.numpy}, SciPy ${output.scipy}, Python ${output.python}`, frames: output.frames };
}

function ensurePeerModules(): void {
  if (modulesChecked) return;
  const importable = () => spawnSync(PYTHON, ['-c', 'import numpy, scipy'], { stdio: 'ignore' }).status === 0;
  if (!importable() && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-numpy', 'python3-scipy'], { stdio: 'ignore', env });
  }
  if (!importable()) {
    throw new Error(`the NumPy peer needs ${PYTHON} with NumPy and SciPy: sudo apt-get install -y python3-numpy python3-scipy`);
  }
  modulesChecked = true;
}

/** Writes the frames (raw RGB(A), row-major) and the manifest once per frame list; returns the manifest's path. */
function manifestFor(frames: readonly Frame[], job: PreprocessJob): string {
  let dir = written.get(frames);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'smearscope-peer-'));
    const created = dir;
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    written.set(frames, dir);
    frames.forEach((frame, index) => {
      writeFileSync(join(created, `frame-${index}.raw`), frame.pixels);
    });
  }
  const manifest = join(dir, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      frames: frames.map((frame, index) => ({
        path: join(dir, `frame-${index}.raw`),
        width: frame.width,
        height: frame.height,
        channels: frame.channels,
        micronsPerPixel: frame.micronsPerPixel,
        stainFitStride: job.stainFitStride ?? stainFitStrideFor(frame.width, frame.height),
      })),
      job: {
        patchMicrons: job.patchMicrons,
        inputWidth: job.input.width,
        inputHeight: job.input.height,
        mean: job.input.mean,
        std: job.input.std,
        stainReference: job.stainReference,
      },
    }),
  );
  return manifest;
}
