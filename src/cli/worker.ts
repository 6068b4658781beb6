import { parseArgs } from 'node:util';
import { createClusterWorker } from '../cluster/index.js';
import { SmearscopeError } from '../errors.js';
import { oneOf, positiveNumber } from './parse-options.js';

export const WORKER_HELP = `Usage: smearscope worker --queue redis://HOST:PORT [options]

Runs until stopped: takes frame jobs from the queue (see "smearscope submit"), analyzes them with a
warm model session, and aggregates each slide once all its frames are done. Start one per machine
(or more). SIGTERM or Ctrl-C: stop taking jobs, finish the ones in hand, exit; a second signal
exits at once (the queue gives that worker's jobs to another one when their lock expires).

Options:
  --queue <url>               Redis, e.g. redis://10.0.0.5:6379 (required)
  --concurrency <n>           frame jobs at once; their cells share inference batches (default 4)
  --model <card.json>         model card; every worker of a queue must run the same (default: shipped)
  --backend <name>            native | wasm | auto (default native: onnxruntime-node)
  --workers <n>               preprocess workers (default: cores - 1, at most 4)
  --inference-sessions <n>    model sessions, each in its own worker (default: one single-threaded
                              session per core, at most 4)
  --batch <n>                 cells per inference run (default 8, or the model's fixed batch)
  --lock-seconds <s>          a dead worker's jobs go to another worker after this (default 30)
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
  });
  log(
    `smearscope worker ${worker.name}: model ${worker.scope.card.id}, backend ${worker.scope.backend} (${worker.scope.backendReason}); ` +
      `waiting for frames on ${values.queue}`,
  );
  if (!values.quiet) {
    worker.on('frame', (f) => log(`${f.slideId} [${f.index}] ${f.label}: ${f.cells} cell(s) ${f.ms.toFixed(0)} ms`));
  }
  worker.on('frame-failed', (f) =>
    log(`${f.slideId} [${f.index}] ${f.label}: error [${f.code}] ${f.message}${f.willRetry ? ' (will be retried)' : ''}`),
  );
  worker.on('slide', (s) => log(`${s.slideId}: aggregated ${s.frames} frame(s), ${s.failedFrames} failed`));
  worker.on('error', (error) => log(`queue error: ${error.message}`));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting now; the queue hands the jobs in hand to another worker once their lock expires`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: finishing the jobs in hand, then exiting`);
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
