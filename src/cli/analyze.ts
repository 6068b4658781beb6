import { parseArgs } from 'node:util';
import { SCREENING_DISCLAIMER, createSlide } from '../clinical/slide.js';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import { BACKEND_CHOICES } from '../inference/backend.js';
import { ignoredCardFieldsNote } from '../inference/model-card.js';
import { readEncodedFrames } from '../io/encoded-frames.js';
import { listImages } from '../io/list-images.js';
import { createScope } from '../scope.js';
import { EXIT, onOff, oneOf, positiveNumber } from './parse-options.js';
import { checkWritable, openOutput } from './output-file.js';
import { frameEntry, modelEntry, reportToCsv, type AnalyzeReport } from './report.js';
import { SIGNAL_EXIT, catchStopSignals } from './stop-signals.js';
import { SMEARSCOPE_VERSION } from './version.js';

export const ANALYZE_HELP = `Usage: smearscope analyze <image|dir>... [options]

Locates leukocytes in PNG/JPEG/TIFF frames (folders: their image files; every page of a
multi-page TIFF is a frame), classifies each, and writes a report. Progress goes to stderr, a
line a frame with its cells' classes ("NGS?" where the model abstained: its best guess, not a
call); the report to stdout or --out.

Options:
  --model <id|card.json>      a shipped model's id ('smearscope models') or a card's path
                              (default: the shipped bone-marrow model bm7-resnet10s)
  --stain-normalization <on|off>  normalize frames to the card's stain reference (default: the card's choice)
  --backend <name>            auto | wasm | webgpu | native (default auto: native > wasm in Node;
                              webgpu in Node is onnxruntime-node's WebGPU EP, used only when named)
  --microns-per-pixel <x>     frame scale; when absent it is estimated per frame from the
                              erythrocytes (~7.5 um), or taken from the run's calibration (the
                              median of the confident frames so far) where a frame has too few;
                              the report says scaleSource: "given" | "frame" | "run" (and
                              scaleEstimated: true unless given). A given scale that the
                              erythrocytes contradict by more than 25 % gives a scaleWarning on
                              the frame and a scaleFlag on the differential
  --strict-scale              such a contradiction fails the frame (SCALE_MISMATCH) instead
  --locate-only               find cells only: cells carry position, no class
  --out <file>                write the report there instead of stdout (checked before any work)
  --format <json|csv|jsonl>   report format (default json; csv: one row per cell, with the frame's
                              scale and its source, flags, warnings and error; jsonl: JSON Lines
                              streamed as frames complete: {type:"run"}, one {type:"frame", index,
                              ...} per frame, {type:"end", framesDone, differential, interrupted?})
  --batch <n>                 cells per inference run (default 8, or the model's fixed batch)
  --workers <n>               preprocess workers (default: cores - 1, at most 4)
  --inference-sessions <n>    wasm / native: model sessions, each in its own worker, the inference
                              threads split among them (default: one single-threaded session per core, at most 4)
  --target-count <n>          cells wanted for the differential (default 200)
  --max-pixels <n>            refuse frames with more pixels than this, from the image header,
                              before decoding (default 100000000; FRAME_TOO_LARGE)
  --quiet                     no progress on stderr
  -h, --help                  this help

Report (JSON):
  { model: { id, version, card, scheme, classes, patchMicrons, provenance },
    backend: { name, reason, notes, events, batchSize, workers, inferenceSessions },
    frames: [ { file, width, height, micronsPerPixel?, scaleSource?, scaleEstimated, scaleInterval?, scaleWarning?,
                cells: [ { x, y, box: [x0, y0, x1, y1], ratio, crossesBorder,
                           class, probs: { CODE: p }, confidence, abstained,
                           pBlast, pAtypical, blastFlag, atypicalFlag } ],
                skippedAtBorder, stainNormalized, timingsMs, error? } ],
    differential: { counts, percentages with 95 % Clopper-Pearson intervals, blast %, flags } }
  x, y and box are frame pixels; probabilities are in [0, 1]. With --locate-only cells carry
  { x, y, box, ratio, crossesBorder } only and differential is null.
  On SIGINT/SIGTERM (Ctrl-C) the run stops and the report is still written with the frames done
  so far and interrupted: true (a second Ctrl-C quits at once).
  ${SCREENING_DISCLAIMER}

Exit codes:
  0    every frame analyzed
  1    some frames failed; the report is complete and names each failure in its "error"
  2    usage error (bad option, unwritable --out, no images) or a fatal error
  130  interrupted by SIGINT (143: SIGTERM); the report holds the frames done
`;

/** `smearscope analyze`: see ANALYZE_HELP. Returns the exit code (see EXIT CODES there). */
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
      'strict-scale': { type: 'boolean' },
      out: { type: 'string' },
      format: { type: 'string' },
      batch: { type: 'string' },
      workers: { type: 'string' },
      'inference-sessions': { type: 'string' },
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
  const backend = oneOf('backend', values.backend, BACKEND_CHOICES) ?? 'auto';
  const format = oneOf('format', values.format, ['json', 'csv', 'jsonl'] as const) ?? 'json';
  const micronsPerPixel = positiveNumber('microns-per-pixel', values['microns-per-pixel']);
  const batchSize = positiveNumber('batch', values.batch, true);
  const workers = positiveNumber('workers', values.workers, true);
  const inferenceSessions = positiveNumber('inference-sessions', values['inference-sessions'], true);
  const targetCount = positiveNumber('target-count', values['target-count'], true) ?? 200;
  const maxFramePixels = positiveNumber('max-pixels', values['max-pixels'], true);
  const locateOnly = values['locate-only'] ?? false;
  const normalizeStain = onOff('stain-normalization', values['stain-normalization']);
  // A shipped model's id or a card's path: createScope's loadModel resolves ids (the library's `models`).
  const model = values.model;
  const log = values.quiet ? () => undefined : (line: string) => process.stderr.write(line + '\n');
  // Before any work: an unwritable --out must not cost a whole run.
  if (values.out) await checkWritable(values.out, 'nothing was analyzed');

  const files = await listImages(positionals);

  const scope = await createScope({
    ...(model ? { model } : {}),
    ...(normalizeStain !== undefined ? { normalizeStain } : {}),
    backend,
    locateOnly,
    ...(batchSize ? { batchSize } : {}),
    ...(workers ? { workers } : {}),
    ...(inferenceSessions ? { inferenceSessions } : {}),
    ...(maxFramePixels ? { frameLimits: { maxFramePixels } } : {}),
  });
  const output = await openOutput(values.out);
  const stop = new AbortController();
  const signals = catchStopSignals((received) => {
    log(`smearscope: ${received}, stopping; writing the report of the frames done so far (again to quit at once)`);
    stop.abort();
  });
  try {
    log(
      `smearscope: ${files.length} file(s), model ${scope.card.id} (${scope.card.provenance.trained ? 'trained' : 'UNTRAINED'}), ` +
        `backend ${scope.backend}: ${scope.backendReason}`,
    );
    const ignoredFields = ignoredCardFieldsNote(scope.card);
    // A warning, not progress: written under --quiet too, as scale warnings are.
    if (ignoredFields) process.stderr.write(`smearscope: ${ignoredFields}\n`);
    const slide = locateOnly ? undefined : createSlide({ scheme: scope.scheme, targetCount });
    const report: AnalyzeReport = {
      smearscope: { version: SMEARSCOPE_VERSION, disclaimer: SCREENING_DISCLAIMER },
      model: modelEntry(scope.card, model ?? 'default'),
      backend: {
        name: scope.backend,
        reason: scope.backendReason,
        notes: scope.notes,
        events: scope.events,
        batchSize: scope.batchSize,
        workers: scope.workers,
        inferenceSessions: scope.inferenceSessions,
      },
      frames: [],
      differential: null,
    };
    if (format === 'jsonl')
      await output.write(jsonLine({ type: 'run', smearscope: report.smearscope, model: report.model, backend: report.backend }));
    let failed = 0;
    let fatal: SmearscopeError | undefined;
    const strictScale = values['strict-scale'] ?? false;
    try {
      for await (const result of scope.analyzeStream(readEncodedFrames(files, micronsPerPixel), { signal: stop.signal, strictScale })) {
        const entry = frameEntry(result);
        report.frames.push(entry);
        if (format === 'jsonl') await output.write(jsonLine({ type: 'frame', index: result.index, ...entry }));
        if (result.scaleWarning) process.stderr.write(`[${result.index + 1}] ${result.label}: scale warning: ${result.scaleWarning}\n`);
        if (result.error) {
          failed++;
          log(`[${result.index + 1}] ${result.label}: error [${result.error.code}] ${result.error.message}`);
          continue;
        }
        slide?.addFrame(result);
        const classes = result.cells.flatMap(({ decision: d }) => (d ? [d.abstained ? `${d.class}?` : d.class] : [])).join(' ');
        log(
          `[${result.index + 1}] ${result.label}: ${result.cells.length} cell(s)${classes ? ` ${classes}` : ''} ` +
            `${result.timingsMs.total.toFixed(0)} ms`,
        );
      }
    } catch (error) {
      // Stopped early: the report of the frames done is still written, marked interrupted.
      if (!(signals.received && error instanceof SmearscopeError && error.code === 'ABORTED'))
        fatal = toSmearscopeError(error, 'INVALID_ARGUMENT');
    }
    report.differential = slide?.report() ?? null;
    const warned = report.frames.filter((frame) => frame.scaleWarning).length;
    if (warned > 0)
      process.stderr.write(
        `scale warning on ${warned} of ${report.frames.length} frame(s): the given --microns-per-pixel disagrees with the erythrocytes; counts and flags may be wrong\n`,
      );
    const interrupted = signals.received !== undefined || fatal !== undefined;
    if (interrupted) {
      report.interrupted = true;
      if (fatal) report.error = { code: fatal.code, message: fatal.message };
    }
    if (format === 'jsonl') {
      await output.write(
        jsonLine({
          type: 'end',
          framesDone: report.frames.length,
          framesFailed: failed,
          differential: report.differential,
          events: scope.events,
          ...(interrupted ? { interrupted: true } : {}),
          ...(report.error ? { error: report.error } : {}),
        }),
      );
    } else {
      await output.write(format === 'csv' ? reportToCsv(report) : JSON.stringify(report, null, 2) + '\n');
    }
    if (fatal) throw fatal;
    if (signals.received) {
      log(`smearscope: interrupted after ${report.frames.length} frame(s) of ${files.length} file(s); the report holds them`);
      return SIGNAL_EXIT[signals.received];
    }
    if (failed > 0) log(`${failed} of ${report.frames.length} frame(s) failed; see their "error" in the report`);
    return failed > 0 ? EXIT.someFramesFailed : EXIT.ok;
  } finally {
    signals.release();
    await output.close();
    await scope.dispose();
  }
}

function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}
