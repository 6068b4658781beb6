import { parseArgs } from 'node:util';
import { getSlideStatus } from '../cluster/index.js';
import { SmearscopeError } from '../errors.js';
import { checkWritable, writeOutput } from './output-file.js';
import { EXIT } from './parse-options.js';
import { slideAnalyzeReport } from './slide-report.js';

export const STATUS_HELP = `Usage: smearscope status --queue redis://HOST:PORT --slide ID [--out FILE]

Prints where a submitted slide stands, as JSON on stdout: { slideId, state, framesTotal,
framesDone, framesFailed, framesPending, failedReason? }. state is frames (frames still running) |
aggregating | done | failed (the aggregation itself failed; failedReason says why). Once the slide
is done the counts are its report's: a frame with an "error" counts as failed.

Options:
  --queue <url>     Redis, e.g. redis://10.0.0.5:6379 (required)
  --slide <id>      the slide's id, as submit printed it (required)
  --out <file>      once the slide is done, write its report there (JSON, what "smearscope analyze"
                    writes; checked before the queue is asked). Before that nothing is written.
  -h, --help        this help

Exit codes:
  0    status printed (with --out: the report written)
  1    the slide's aggregation failed (state failed); --out writes nothing
  2    usage error (bad option, unwritable --out), no such slide, Redis unreachable, or a fatal error
  3    --out given but the slide is not done yet: status printed, nothing written; ask again later
`;

/** `smearscope status`: see STATUS_HELP (its exit codes). */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { queue: { type: 'string' }, slide: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return EXIT.ok;
  }
  if (!values.queue || !values.slide)
    throw new SmearscopeError('INVALID_ARGUMENT', 'status needs --queue redis://HOST:PORT and --slide ID (see --help)');
  if (values.out) await checkWritable(values.out, 'the queue was not asked');
  const { report, ...status } = await getSlideStatus({ queue: values.queue, slideId: values.slide });
  process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  const failed = status.state === 'failed';
  if (!values.out) return failed ? 1 : EXIT.ok;
  if (report) {
    await writeOutput(values.out, JSON.stringify(slideAnalyzeReport(report), null, 2) + '\n');
    return EXIT.ok;
  }
  const why = failed
    ? 'its aggregation failed'
    : `it is not done yet (${status.state}: ${status.framesDone + status.framesFailed} of ${status.framesTotal} frame(s) done); ask again later`;
  process.stderr.write(`smearscope: slide ${values.slide} has no report: ${why}; nothing was written to ${values.out}\n`);
  // Not an error: a script polling with --out tells "not yet" (3) from a failed slide (1) and a usage error (2).
  return failed ? 1 : EXIT.slideNotDone;
}
