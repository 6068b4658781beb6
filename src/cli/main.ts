import { SmearscopeError } from '../errors.js';
import { analyzeCommand } from './analyze.js';
import { calibrateCommand } from './calibrate.js';
import { evalCommand } from './eval.js';
import { modelsCommand } from './models.js';
import { normalizeCommand } from './normalize.js';
import { EXIT } from './parse-options.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { submitCommand } from './submit.js';
import { SMEARSCOPE_VERSION } from './version.js';
import { workerCommand } from './worker.js';

const USAGE = `smearscope — white-cell cytomorphology on this device (screening aid, not a diagnosis)

Usage: smearscope <command> [options]

Commands:
  analyze <image|dir>...   locate and classify leukocytes, write a report (JSON or CSV)
  calibrate <image|dir>... the microscope's pixel size from the erythrocytes, with its 95 % interval
  eval <dir>               classify single-cell images in one folder per class; print metrics
  models                   list the shipped models (id, scheme, classes, size, held-out figures)
  normalize <in> <out>     Macenko stain normalization of an image (or --fit-only --json)
  serve                    the review station at / and the browser benchmark, offline (COOP/COEP)
  worker --queue URL       take frame jobs from a Redis queue (BullMQ) and analyze them; runs until stopped
  submit <image|dir>...    put a slide on the queue, wait, print the same report as analyze
  status --slide ID        where a submitted slide stands

Run "smearscope <command> --help" for the options of a command; "smearscope --version" prints the version.
Exit codes: 0 ok, 1 some frames failed (report complete), 2 usage or fatal error, 130/143 interrupted
(SIGINT/SIGTERM); status --out: 3 the slide is not done yet. Each command's --help lists its own.`;

/** Runs the CLI; returns the process exit code. Errors print as "error [CODE]: message". */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest);
      case 'calibrate':
        return await calibrateCommand(rest);
      case 'eval':
        return await evalCommand(rest);
      case 'models':
        return await modelsCommand(rest);
      case 'normalize':
        return await normalizeCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case 'worker':
        return await workerCommand(rest);
      case 'submit':
        return await submitCommand(rest);
      case 'status':
        return await statusCommand(rest);
      case '--version':
      case '-v':
        process.stdout.write(`smearscope ${SMEARSCOPE_VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? EXIT.usageOrFatal : EXIT.ok;
      default:
        process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
        return EXIT.usageOrFatal;
    }
  } catch (error) {
    if (error instanceof SmearscopeError) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      return EXIT.usageOrFatal;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error [INVALID_ARGUMENT]: ${error.message}\n`);
      return EXIT.usageOrFatal;
    }
    process.stderr.write(`error [INTERNAL]: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.usageOrFatal;
  }
}
