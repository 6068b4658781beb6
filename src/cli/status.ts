import { parseArgs } from 'node:util';
import { getSlideStatus } from '../cluster/index.js';
import { SmearscopeError } from '../errors.js';
import { checkWritable, writeOutput } from './output-file.js';
import { slideAnalyzeReport } from './slide-report.js';

export const STATUS_HELP = `Usage: smearscope status --queue redis://HOST:PORT --slide ID [--out FILE]

Prints where a submitted slide stands, as JSON: { slideId, state, framesTotal, framesDone,
framesFailed, framesPending }; state is frames | aggregating | done | failed. Once done, --out
writes its report (the same as "smearscope analyze" writes).
`;

/** `smearscope status`: see STATUS_HELP. Exit code 1 when the slide's aggregation failed. */
export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { queue: { type: 'string' }, slide: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(STATUS_HELP);
    return 0;
  }
  if (!values.queue || !values.slide)
    throw new SmearscopeError('INVALID_ARGUMENT', 'status needs --queue redis://HOST:PORT and --slide ID (see --help)');
  if (values.out) await checkWritable(values.out, 'the queue was not asked');
  const { report, ...status } = await getSlideStatus({ queue: values.queue, slideId: values.slide });
  process.stdout.write(JSON.stringify(status, null, 2) + '\n');
  if (values.out) {
    if (!report)
      throw new SmearscopeError('INVALID_ARGUMENT', `slide ${values.slide} is not done yet (${status.state}); no report to write`);
    await writeOutput(values.out, JSON.stringify(slideAnalyzeReport(report), null, 2) + '\n');
  }
  return status.state === 'failed' ? 1 : 0;
}
