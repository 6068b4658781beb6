// Runs `smearscope eval ... --json` in this process and returns the parsed result (used by
// models/train/record-sdk-metrics.mjs and scripts/validate.mjs).
import { main } from '../../dist/node/cli.js';

/** `smearscope eval` arguments that reproduce a card's held-out figures from its heldOutEval spec
 * ({ data, list, classes?, micronsPerPixel? }). */
export function heldOutArgs(spec, cardPath) {
  return [
    'eval', spec.data, '--list', spec.list, '--model', cardPath,
    ...(spec.classes ? ['--classes', spec.classes] : []),
    ...(spec.micronsPerPixel ? ['--microns-per-pixel', String(spec.micronsPerPixel)] : []),
  ];
}

/** Runs the CLI with `args` plus --json, capturing stdout; throws when it exits non-zero. */
export async function runEval(args) {
  let output = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk) => ((output += chunk), true);
  let code;
  try {
    code = await main([...args, '--json']);
  } finally {
    process.stdout.write = write;
  }
  if (code !== 0) throw new Error(`smearscope ${args.join(' ')} failed with exit code ${code}`);
  return JSON.parse(output);
}
