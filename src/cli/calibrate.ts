import { parseArgs } from 'node:util';
import { SmearscopeError } from '../errors.js';
import { listImages } from '../io/list-images.js';
import { readFrame } from '../io/read-frame.js';
import { instantiateKernels } from '../kernels/load.js';
import { calibrateFrame, calibrateFrames, type FrameCalibration } from '../scale/calibrate.js';
import { formatScale } from '../scale/resolve.js';

export const CALIBRATE_HELP = `Usage: smearscope calibrate <image|dir>... [--json]

Measures the pixel size of a microscope from the erythrocytes (~7.5 um across) of its frames
(folders: their image files): each frame's own estimate with its 95 % interval, then the run's
calibration, the median of the confident frames, with its 95 % interval and how many frames and
red cells it rests on. Pass the result to "smearscope analyze --microns-per-pixel".

Options:
  --json        print { frames: [ { file, micronsPerPixel, interval, erythrocytes, confident } | { file, error } ],
                calibration: { micronsPerPixel, interval, frames, erythrocytes } | null }
  -h, --help    this help
`;

/** `smearscope calibrate`: see CALIBRATE_HELP. Exit code 1 when no frame gave a confident estimate. */
export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(CALIBRATE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new SmearscopeError('INVALID_ARGUMENT', 'calibrate needs at least one image or folder (see --help)');
  const files = await listImages(positionals);
  const kernels = await instantiateKernels();
  const results: Array<FrameCalibration & { file: string }> = [];
  for (const file of files) results.push({ file, ...calibrateFrame(kernels, await readFrame(file)) });
  const calibration = calibrateFrames(results);
  if (values.json) {
    const frames = results.map((r) =>
      r.estimate
        ? {
            file: r.file,
            micronsPerPixel: r.estimate.micronsPerPixel,
            interval: r.estimate.interval,
            erythrocytes: r.estimate.erythrocytes,
            confident: r.estimate.confident,
          }
        : { file: r.file, error: r.reason },
    );
    process.stdout.write(JSON.stringify({ frames, calibration: calibration ?? null }, null, 2) + '\n');
  } else {
    for (const r of results) {
      process.stdout.write(
        r.estimate
          ? `${r.file}: ${formatScale(r.estimate.micronsPerPixel)} um/px (95 % ${formatScale(r.estimate.interval[0])}-${formatScale(r.estimate.interval[1])}), ` +
              `${r.estimate.erythrocytes} erythrocytes${r.estimate.confident ? '' : ', not confident'}\n`
          : `${r.file}: no estimate (${r.reason})\n`,
      );
    }
    process.stdout.write(
      calibration
        ? `scale: ${formatScale(calibration.micronsPerPixel)} um/px, 95 % interval ${formatScale(calibration.interval[0])}-` +
            `${formatScale(calibration.interval[1])}, from ${calibration.frames} confident frame(s) and ${calibration.erythrocytes} erythrocytes\n`
        : `no frame gave a confident estimate (at least 5 erythrocytes and a 95 % interval within 10 %); add frames with more red cells\n`,
    );
  }
  return calibration ? 0 : 1;
}
