// Runs `smearscope eval ... --json` as a child process and returns the parsed result (used by
// models/train/record-sdk-metrics.mjs and scripts/validate.mjs). A child per run lets several runs
// share the machine at once, each with its own workers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** `smearscope eval` arguments that reproduce a card's held-out figures from its heldOutEval spec
 * ({ data, list, classes?, micronsPerPixel? }). */
export function heldOutArgs(spec, cardPath) {
  return [
    'eval', spec.data, '--list', spec.list, '--model', cardPath,
    ...(spec.classes ? ['--classes', spec.classes] : []),
    ...(spec.micronsPerPixel ? ['--microns-per-pixel', String(spec.micronsPerPixel)] : []),
  ];
}

/** Runs `smearscope <args> --json`; returns the parsed stdout, throws with its stderr when it fails. */
export async function runEval(args) {
  try {
    const { stdout } = await execFileAsync('node', ['bin/smearscope.js', ...args, '--json'], { maxBuffer: 256 * 2 ** 20 });
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(`smearscope ${args.join(' ')} failed: ${error.stderr ?? error.message}`);
  }
}

/** Runs the async jobs (functions) with at most `limit` at once; results in job order. */
export async function runLimited(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
