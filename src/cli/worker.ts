import { parseArgs } from 'node:util';
import { createClusterWorker } from '../cluster/index.js';
import { shownQueueUrl } from '../cluster/connection.js';
import { SmearscopeError } from '../errors.js';
import { oneOf, positiveNumber } from './parse-options.js';

export const WORKER_HELP = `Usage: smearscope worker --queue redis://HOST:PORT [options]

Runs until stopped: takes frame jobs from the queue (see "smearscope submit"), analyzes them with a
warm model session, and aggregates each slide once all its frames are done. Start one per machine
(or more). It may start before Redis: it says so and retries until Redis answers. SIGTERM or
Ctrl-C: stop taking jobs, finish the ones in hand, exit; a second signal exits at once (the queue
gives that worker's jobs to another one when their lock expires).

Options:
  --queue <url>               Redis, e.g. redis://10.0.0.5:6379 (required)
  --concurrency <n>           frame jobs at once; their cells share inference batches (default 4)
  --model <id | card.json>    a shipped model's id (smearscope models) or a card; every worker of
                              a queue must run the same (default: the shipped default)
  --backend <name>            native | wasm | auto (default native: onnxruntime-node)
  --workers <n>               preprocess workers (default: cores - 1, at most 4)
  --inference-sessions <n>    model sessions, each in its own worker (default: one single-threaded
                              session per core, at most 4)
  --batch <n>                 cells per inference run (default 8, or the model's fixed batch)
  --lock-seconds <s>          a dead worker's jobs go to another worker after this (default 30)
  --max-pixels <n>            refuse frames with more pixels than this, from the image header
                              (default 100000000; FRAME_TOO_LARGE, not retried)
  --quiet                     no per-frame lines on stderr
  -h, --help                  this help
`;

/** `smearscope worker`: see WORKER_HELP. Resolves with the exit code once the worker has stopped. */
export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      model: { type: 'string' },
      backend: { type: 'string' },
      workers: { type: 'string' },
      'inference-sessions': { type: 'string' },
      batch: { type: 'string' },
      'lock-seconds': { type: 'string' },
      'max-pixels': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  if (!values.queue) throw new SmearscopeError('INVALID_ARGUMENT', 'worker needs --queue redis://HOST:PORT (see --help)');
  const concurrency = positiveNumber('concurrency', values.concurrency, true);
  const workers = positiveNumber('workers', values.workers, true);
  const inferenceSessions = positiveNumber('inference-sessions', values['inference-sessions'], true);
  const batchSize = positiveNumber('batch', values.batch, true);
  const lockSeconds = positiveNumber('lock-seconds', values['lock-seconds']);
  if (lockSeconds !== undefined && lockSeconds < 1)
    throw new SmearscopeError('INVALID_ARGUMENT', `--lock-seconds must be at least 1, got ${values['lock-seconds']}`);
  const maxFramePixels = positiveNumber('max-pixels', values['max-pixels'], true);
  const log = (line: string) => process.stderr.write(line + '\n');
  const worker = await createClusterWorker({
    queue: values.queue,
    backend: oneOf('backend', values.backend, ['native', 'wasm', 'auto'] as const) ?? 'native',
    ...(values.model ? { model: values.model } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(workers ? { workers } : {}),
    ...(inferenceSessions ? { inferenceSessions } : {}),
    ...(batchSize ? { batchSize } : {}),
    ...(lockSeconds ? { lockSeconds } : {}),
    ...(maxFramePixels ? { frameLimits: { maxFramePixels } } : {}),
  });
  log(
    `smearscope worker ${worker.name}: model ${worker.scope.card.id}, backend ${worker.scope.backend} (${worker.scope.backendReason}); ` +
      `connecting to ${shownQueueUrl(values.queue)}`,
  );
  worker.ready.then(
    () => log(`smearscope worker ${worker.name}: waiting for frames on ${shownQueueUrl(values.queue!)}`),
    () => undefined, // closed before Redis answered: stop() says so
  );
  if (!values.quiet) {
    worker.on('frame', (f) => log(`${f.slideId} [${f.index}] ${f.label}: ${f.cells} cell(s) ${f.ms.toFixed(0)} ms`));
  }
  worker.on('frame-failed', (f) =>
    log(`${f.slideId} [${f.index}] ${f.label}: error [${f.code}] ${f.message}${f.willRetry ? ' (will be retried)' : ''}`),
  );
  worker.on('slide', (s) => log(`${s.slideId}: aggregated ${s.frames} frame(s), ${s.failedFrames} failed`));
  worker.on('error', queueErrorLog(log));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting now; the queue hands the jobs in hand to another worker once their lock expires`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: finishing the ${worker.jobsInHand} job(s) in hand, then exiting`);
      const done = (code: number) => {
        // Something left open (a thread pool, a socket) must not keep a stopped worker alive.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      };
      worker.close().then(
        () => done(0),
        (error: Error) => {
          log(`closing: ${error.message}`);
          done(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** Connection errors of a Redis that cannot be reached (the client retries them by itself). */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN|Connection is closed/;

/** Seconds between repeats of the same queue error: Redis down gives several a second. */
const QUEUE_ERROR_REPEAT_SECONDS = 30;

/**
 * A queue error logger that says a new error at once and the same one again at most every
 * QUEUE_ERROR_REPEAT_SECONDS, with how many it left out (a Redis outage is one line, not hundreds).
 */
export function queueErrorLog(log: (line: string) => void, now: () => number = Date.now): (error: Error) => void {
  let last: { message: string; at: number; leftOut: number } | undefined;
  return (error) => {
    const at = now();
    if (last && last.message === error.message && at - last.at < QUEUE_ERROR_REPEAT_SECONDS * 1000) {
      last.leftOut++;
      return;
    }
    const again = last?.message === error.message ? ` (${last.leftOut + 1} times in ${Math.round((at - last.at) / 1000)} s)` : '';
    // Only an unreachable Redis is waited out; other errors (NOAUTH, a lost job lock) are said as they are.
    const waiting = UNREACHABLE.test(error.message) ? '; retrying until Redis answers' : '';
    log(`queue error: ${error.message}${again}${waiting}`);
    last = { message: error.message, at, leftOut: 0 };
  };
}
