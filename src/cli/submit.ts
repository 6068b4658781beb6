import { parseArgs } from 'node:util';
import { submitSlide, type SlideReport, type SlideSubmission } from '../cluster/index.js';
import { shownQueueUrl } from '../cluster/connection.js';
import { SmearscopeError } from '../errors.js';
import { listImages } from '../io/list-images.js';
import { checkWritable, writeOutput } from './output-file.js';
import { reportToCsv } from './report.js';
import { slideAnalyzeReport } from './slide-report.js';
import { oneOf, positiveNumber } from './parse-options.js';
import { SIGNAL_EXIT, catchStopSignals, type StopSignal } from './stop-signals.js';

export const SUBMIT_HELP = `Usage: smearscope submit <image|dir>... --queue redis://HOST:PORT [options]

Puts one slide on the queue: a slide job with one frame job per image (folders: their image
files, sorted). Frames travel as file paths, so every worker must see the same files at the same
absolute path (a shared filesystem). Waits and prints the same report as "smearscope analyze"
(frames in input order, the slide's differential); a frame that failed carries its "error".

Options:
  --queue <url>               Redis, e.g. redis://10.0.0.5:6379 (required)
  --slide <id>                slide id (default: slide-<time>-<random>); must be new on the queue
  --microns-per-pixel <x>     frame scale; when absent each frame's is estimated
  --target-count <n>          cells wanted for the differential (default 200)
  --max-frame-mb <n>          frames larger than this many MiB fail with INVALID_FRAME on the worker,
                              before it reads them (default 64)
  --out <file>                write the report there instead of stdout (checked before submitting)
  --format <json|csv>         report format (default json)
  --no-wait                   print the slide id and return; see "smearscope status"
  --quiet                     no progress on stderr
  -h, --help                  this help

On SIGINT/SIGTERM (Ctrl-C) submit stops waiting and says how to get the report later; the slide is
already on the queue and goes on in the workers ("smearscope status --out" writes its report).

Exit codes:
  0    every frame analyzed (or --no-wait: the slide is queued)
  1    some frames failed; the report is complete and names each failure in its "error"
  2    usage error (bad option, unwritable --out, no images), Redis unreachable, or a fatal error
  130  stopped waiting on SIGINT (143: SIGTERM); the slide goes on in the workers
`;

/** `smearscope submit`: see SUBMIT_HELP. Exit code 1 when any frame failed. */
export async function submitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queue: { type: 'string' },
      slide: { type: 'string' },
      'microns-per-pixel': { type: 'string' },
      'target-count': { type: 'string' },
      'max-frame-mb': { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'no-wait': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SUBMIT_HELP);
    return 0;
  }
  if (!values.queue) throw new SmearscopeError('INVALID_ARGUMENT', 'submit needs --queue redis://HOST:PORT (see --help)');
  if (positionals.length === 0) throw new SmearscopeError('INVALID_ARGUMENT', 'submit needs at least one image or folder (see --help)');
  const format = oneOf('format', values.format, ['json', 'csv'] as const) ?? 'json';
  const micronsPerPixel = positiveNumber('microns-per-pixel', values['microns-per-pixel']);
  const targetCount = positiveNumber('target-count', values['target-count'], true);
  const maxFrameMiB = positiveNumber('max-frame-mb', values['max-frame-mb']);
  const log = values.quiet ? () => undefined : (line: string) => process.stderr.write(line + '\n');
  // Before the slide is queued: an unwritable --out must not cost a whole slide's work.
  if (values.out) await checkWritable(values.out, 'nothing was submitted');

  const files = await listImages(positionals);
  const submission = await submitSlide({
    queue: values.queue,
    frames: files,
    ...(values.slide ? { slideId: values.slide } : {}),
    ...(micronsPerPixel !== undefined ? { micronsPerPixel } : {}),
    ...(targetCount ? { targetCount } : {}),
    // Up, not to the nearest: a tiny --max-frame-mb is a cap of 1 byte, never 0 (refused as not positive).
    ...(maxFrameMiB ? { maxFrameBytes: Math.ceil(maxFrameMiB * 2 ** 20) } : {}),
  });
  try {
    if (values['no-wait']) {
      process.stdout.write(`${submission.slideId}\n`);
      return 0;
    }
    submission.on('progress', (p) =>
      log(`${p.slideId}: ${p.framesDone + p.framesFailed}/${p.framesTotal} frame(s) done, ${p.framesFailed} failed (${p.state})`),
    );
    const slide = await waitForReport(submission, () =>
      log(`smearscope: slide ${submission.slideId}, ${files.length} frame(s) on ${shownQueueUrl(values.queue!)}`),
    );
    if (typeof slide === 'string') {
      // Not under --quiet: without it the user cannot tell that the slide goes on, nor how to get its report.
      const out = format === 'json' && values.out ? values.out : 'report.json'; // status writes JSON only
      process.stderr.write(
        `smearscope: ${slide}, stopped waiting; slide ${submission.slideId} goes on in the workers. Its report, once done:\n` +
          `  smearscope status --queue ${shownQueueUrl(values.queue!)} --slide ${submission.slideId} --out ${out}\n` +
          (shownQueueUrl(values.queue!) !== values.queue ? '  (with the queue password in place of ***)\n' : ''),
      );
      return SIGNAL_EXIT[slide];
    }
    const report = slideAnalyzeReport(slide);
    const text = format === 'csv' ? reportToCsv(report) : JSON.stringify(report, null, 2) + '\n';
    await writeOutput(values.out, text);
    const failed = report.frames.filter((frame) => frame.error).length;
    if (failed > 0) log(`${failed} of ${files.length} frame(s) failed; see their "error" in the report`);
    return failed > 0 ? 1 : 0;
  } finally {
    await submission.close();
  }
}

/** The slide's report, or the signal (Ctrl-C, SIGTERM) that stopped the wait: the slide goes on in the workers. */
async function waitForReport(submission: SlideSubmission, announce: () => void): Promise<SlideReport | StopSignal> {
  const stop = new AbortController();
  const signals = catchStopSignals(() => stop.abort());
  try {
    // Once the signals are caught: a Ctrl-C after this line gets the hint, never Node's default exit.
    announce();
    return await submission.report({ signal: stop.signal });
  } catch (error) {
    if (signals.received && error instanceof SmearscopeError && error.code === 'ABORTED') return signals.received;
    throw error;
  } finally {
    signals.release();
  }
}
