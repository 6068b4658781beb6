import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SmearscopeError } from '../errors.js';
import { EXIT } from './parse-options.js';
import type { Frame } from '../frame.js';
import type { StainReference } from '../stain/reference.js';
import { encodePng } from '../io/encode-png.js';
import { readFrame } from '../io/read-frame.js';
import { instantiateKernels, type KernelInstance } from '../kernels/load.js';
import { placeFrame } from '../kernels/resident-frame.js';
import { checkStainReference, fitMacenko, normalizeStain, type StainFit } from '../stain/index.js';
import { platform } from '../platform/node.js';

export const NORMALIZE_HELP = `Usage: smearscope normalize <in> <out.png> [--reference <card.json|fit.json|image>]
       smearscope normalize <in> --fit-only [--json]

Macenko stain normalization (Io 240, beta 0.15, alpha 1; every pixel) of one PNG/JPEG/TIFF
image: fits the image's two stains, maps them onto the reference stains and writes an 8-bit PNG
(RGB: an alpha channel of the input is dropped, as Node decodes every frame to RGB8).

Options:
  --reference <file>   the stains to normalize to:
                         a model card (*.json with "stainReference"): the stain of its training images
                         a fit (*.json with "stainMatrix" and "maxC", e.g. from --fit-only --json)
                         an image: its own Macenko fit
                       default: the stainReference of the shipped default model card in models/
  --fit-only           only fit <in>; write no image
  --json               with --fit-only: print exactly
                         { "stainMatrix": [[r, g, b], [r, g, b]], "maxC": [h, e] }
                       (unit OD vectors, row 0 hematoxylin-like; 99th-percentile concentrations)
  -h, --help           this help

Errors print as "error [CODE]: message" on stderr with exit code 2 (usage or fatal, as every
command); an image with too little stain for a fit (blank, one colour) fails with INVALID_FRAME.
`;

/** `smearscope normalize`: see NORMALIZE_HELP. Returns the exit code; typed errors go to stderr (EXIT.usageOrFatal). */
export async function normalizeCommand(argv: string[]): Promise<number> {
  try {
    return await runNormalize(argv);
  } catch (error) {
    if (!(error instanceof SmearscopeError)) throw error;
    process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    return EXIT.usageOrFatal;
  }
}

async function runNormalize(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        reference: { type: 'string' },
        'fit-only': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${(error as Error).message} (see --help)`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(NORMALIZE_HELP);
    return 0;
  }
  const fitOnly = values['fit-only'] ?? false;
  if (values.json && !fitOnly) throw new SmearscopeError('INVALID_ARGUMENT', '--json goes with --fit-only (see --help)');
  const [inputPath, outputPath, ...extra] = positionals;
  // The contract's form `normalize <in> <out.png> --fit-only --json` is accepted too: <out> is then not written.
  const fitOnlyPositionals = positionals.length === 1 || positionals.length === 2;
  if ((fitOnly ? !fitOnlyPositionals : positionals.length !== 2) || extra.length > 0) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      fitOnly
        ? 'normalize --fit-only takes one image: <in> [<out.png>, not written]'
        : 'normalize takes an input image and an output PNG: <in> <out.png>',
    );
  }
  if (fitOnly && values.reference !== undefined) throw new SmearscopeError('INVALID_ARGUMENT', '--reference has no effect with --fit-only');

  const kernels = await instantiateKernels();
  const frame = await readFrame(inputPath);
  const fit = fitFrame(kernels, frame, inputPath);
  if (fitOnly) {
    const { stainMatrix, maxC } = fit;
    process.stdout.write(
      values.json
        ? JSON.stringify({ stainMatrix, maxC }) + '\n'
        : `${inputPath}: hematoxylin-like ${format(stainMatrix[0])}, eosin-like ${format(stainMatrix[1])}, ` +
            `maxC ${format(maxC)} (${fit.keptPixels} stained pixels)\n`,
    );
    return 0;
  }

  const reference = await readReference(kernels, values.reference);
  const pixels = new Uint8Array(frame.pixels.length);
  const mark = kernels.memory.mark();
  try {
    normalizeStain(kernels, placeFrame(kernels, frame), fit, reference, pixels);
  } finally {
    kernels.memory.release(mark);
  }
  try {
    await writeFile(outputPath, await encodePng({ ...frame, pixels }));
  } catch (error) {
    throw new SmearscopeError('IO_FAILED', `cannot write ${outputPath}: ${(error as Error).message}`, { cause: error });
  }
  return 0;
}

/** Macenko fit of a whole frame; INVALID_FRAME (naming the file) when it has too little stain. */
function fitFrame(kernels: KernelInstance, frame: Frame, label: string): StainFit {
  const mark = kernels.memory.mark();
  try {
    return fitMacenko(kernels, placeFrame(kernels, frame));
  } catch (error) {
    if (error instanceof SmearscopeError && error.code === 'INVALID_FRAME') {
      throw new SmearscopeError('INVALID_FRAME', `${label}: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    kernels.memory.release(mark);
  }
}

/** The reference stains named by --reference (see NORMALIZE_HELP), or the default card's. */
async function readReference(kernels: KernelInstance, location: string | undefined): Promise<StainReference> {
  const path = location ?? String(platform.defaultModelCard());
  if (!path.toLowerCase().endsWith('.json')) return fitFrame(kernels, await readFrame(path), path);
  let json: { stainReference?: StainReference } & Partial<StainReference>;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ? 'IO_FAILED' : 'INVALID_ARGUMENT';
    const hint = location === undefined ? ' (the default model card; pass --reference)' : '';
    throw new SmearscopeError(code, `cannot read ${path}${hint}: ${(error as Error).message}`, { cause: error });
  }
  const reference = json?.stainReference ?? (json?.stainMatrix ? { stainMatrix: json.stainMatrix, maxC: json.maxC } : undefined);
  if (!reference) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `${path} has neither "stainReference" (a model card) nor "stainMatrix" and "maxC" (a fit)`,
    );
  }
  checkStainReference(reference as StainReference, path);
  return reference as StainReference;
}

function format(values: readonly number[]): string {
  return `[${values.map((v) => v.toFixed(4)).join(', ')}]`;
}
