import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SCREENING_DISCLAIMER, createSlide } from '../clinical/slide.js';
import { SmearscopeError } from '../errors.js';
import { readEncodedFrames } from '../io/encoded-frames.js';
import { listImages } from '../io/list-images.js';
import { createScope } from '../scope.js';
import { onOff, oneOf, positiveNumber } from './parse-options.js';
import { frameEntry, modelEntry, reportToCsv, type AnalyzeReport } from './report.js';
import { SMEARSCOPE_VERSION } from './version.js';

export const ANALYZE_HELP = `Usage: smearscope analyze <image|dir>... [options]

Locates leukocytes in PNG/JPEG/TIFF frames (folders: their image files; every page of a
multi-page TIFF is a frame), classifies each, and writes a report. Progress goes to stderr; the
report to stdout or --out.

Options:
  --model <id|card.json>      a shipped model's id ('smearscope models') or a card's path
                              (default: the shipped bone-marrow model bm7-resnet10s)
  --stain-normalization <on|off>  normalize frames to the card's stain reference (default: the card's choice)
  --backend <name>            auto | wasm | webgpu | native (default auto: native > wasm in Node;
                              webgpu in Node is onnxruntime-node's WebGPU EP, used only when named)
  --microns-per-pixel <x>     frame scale; when absent it is estimated per frame from the
                              erythrocytes (~7.5 um) and the report says scaleSource: "frame"
                              (and scaleEstimated: true)
  --locate-only               find cells only: cells carry position, no class
  --out <file>                write the report there instead of stdout
  --format <json|csv>         report format (default json; csv: one row per cell, with the
                              frame's scale and its source, flags, warnings and error)
  --batch <n>                 cells per inference run (default 8)
  --workers <n>               preprocess workers (default: cores - 1, at most 4)
  --target-count <n>          cells wanted for the differential (default 200)
  --max-pixels <n>            refuse images with more pixels than this before decoding
                              (default 100000000; IMAGE_TOO_LARGE)
  --quiet                     no progress on stderr
  -h, --help                  this help

Report (JSON):
  { model: { id, version, card, scheme, classes, patchMicrons, provenance },
    backend: { name, reason, notes, events, batchSize, workers },
    frames: [ { file, width, height, micronsPerPixel?, scaleSource?, scaleEstimated,
                cells: [ { x, y, box: [x0, y0, x1, y1], ratio, crossesBorder,
                           class, probs: { CODE: p }, confidence, abstained,
                           pBlast, pAtypical, blastFlag, atypicalFlag } ],
                skippedAtBorder, stainNormalized, timingsMs, error? } ],
    differential: { counts, percentages with 95 % Clopper-Pearson intervals, blast %, flags } }
  x, y and box are frame pixels; probabilities are in [0, 1]. With --locate-only cells carry
  { x, y, box, ratio, crossesBorder } only and differential is null.
  ${SCREENING_DISCLAIMER}
`;

/** `smearscope analyze`: see ANALYZE_HELP. Returns the exit code (1 when any frame failed). */
export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      'stain-normalization': { type: 'string' },
      backend: { type: 'string' },
      'microns-per-pixel': { type: 'string' },
      'locate-only': { type: 'boolean' },
      out: { type: 'string' },
      format: { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
      'target-count': { type: 'string' },
      'max-pixels': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new SmearscopeError('INVALID_ARGUMENT', 'analyze needs at least one image or folder (see --help)');
  const backend = oneOf('backend', values.backend, ['auto', 'wasm', 'webgpu', 'native'] as const) ?? 'auto';
  const format = oneOf('format', values.format, ['json', 'csv'] as const) ?? 'json';
  const micronsPerPixel = positiveNumber('microns-per-pixel', values['microns-per-pixel']);
  const batchSize = positiveNumber('batch', values.batch, true);
  const workers = positiveNumber('workers', values.workers, true);
  const targetCount = positiveNumber('target-count', values['target-count'], true) ?? 200;
  const maxDecodedPixels = positiveNumber('max-pixels', values['max-pixels'], true);
  const locateOnly = values['locate-only'] ?? false;
  const normalizeStain = onOff('stain-normalization', values['stain-normalization']);
  // A shipped model's id or a card's path: createScope's loadModel resolves ids (the library's `models`).
  const model = values.model;
  const log = values.quiet ? () => undefined : (line: string) => process.stderr.write(line + '\n');

  const files = await listImages(positionals);
  if (files.length === 0) throw new SmearscopeError('INVALID_ARGUMENT', `no PNG/JPEG/TIFF images in ${positionals.join(', ')}`);

  const scope = await createScope({
    ...(model ? { model } : {}),
    ...(normalizeStain !== undefined ? { normalizeStain } : {}),
    backend,
    locateOnly,
    ...(batchSize ? { batchSize } : {}),
    ...(workers ? { workers } : {}),
    ...(maxDecodedPixels ? { maxDecodedPixels } : {}),
  });
  try {
    log(`smearscope: ${files.length} file(s), model ${scope.card.id} (${scope.card.provenance.trained ? 'trained' : 'UNTRAINED'}), ` +
      `backend ${scope.backend}: ${scope.backendReason}`);
    const slide = locateOnly ? undefined : createSlide({ scheme: scope.scheme, targetCount });
    const report: AnalyzeReport = {
      smearscope: { version: SMEARSCOPE_VERSION, disclaimer: SCREENING_DISCLAIMER },
      model: modelEntry(scope.card, model ?? 'default'),
      backend: { name: scope.backend, reason: scope.backendReason, notes: scope.notes, events: scope.events, batchSize: scope.batchSize, workers: scope.workers },
      frames: [],
      differential: null,
    };
    let failed = 0;
    for await (const result of scope.analyzeStream(readEncodedFrames(files, micronsPerPixel))) {
      report.frames.push(frameEntry(result));
      if (result.error) {
        failed++;
        log(`[${result.index + 1}] ${result.label}: error [${result.error.code}] ${result.error.message}`);
        continue;
      }
      slide?.addFrame(result);
      const classes = result.cells.flatMap(({ decision: d }) => (d ? [d.abstained ? `(${d.class})` : d.class] : [])).join(' ');
      log(`[${result.index + 1}] ${result.label}: ${result.cells.length} cell(s)${classes ? ` ${classes}` : ''} ` +
        `${result.timingsMs.total.toFixed(0)} ms`);
    }
    report.differential = slide?.report() ?? null;
    const text = format === 'csv' ? reportToCsv(report) : JSON.stringify(report, null, 2) + '\n';
    if (values.out) await writeFile(values.out, text);
    else process.stdout.write(text);
    if (failed > 0) log(`${failed} of ${report.frames.length} frame(s) failed; see their "error" in the report`);
    return failed > 0 ? 1 : 0;
  } finally {
    await scope.dispose();
  }
}
