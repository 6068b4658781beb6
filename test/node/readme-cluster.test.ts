// The README's cluster commands against the commands' own --help: a flag added to one and not the
// other is found here (submit's synopsis lacked --format, --target-count, --max-frame-mb, --quiet).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATUS_HELP } from '../../src/cli/status.js';
import { SUBMIT_HELP } from '../../src/cli/submit.js';

const readme = readFileSync('README.md', 'utf8');

/** The options a --help lists (its lines "  --name ..."), less --help itself. */
const optionsOf = (help: string) => [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');

describe('README: More than one machine, and the CLI synopsis', () => {
  it('lists every option of submit and status in the CLI synopsis', () => {
    for (const [command, help] of [
      ['submit', SUBMIT_HELP],
      ['status', STATUS_HELP],
    ] as const) {
      // The command's synopsis: its line and the indented lines that continue it.
      const synopsis = new RegExp(`^npx smearscope ${command} .*(\\n {10,}.*)*`, 'm').exec(readme)?.[0] ?? '';
      for (const option of optionsOf(help)) expect(synopsis, `${command} ${option}`).toContain(option);
    }
  });

  it('says what is a submit flag, what status prints, and what Ctrl-C does to submit', () => {
    expect(readme).toContain('`submit --max-frame-mb`');
    expect(readme).not.toMatch(/over `--max-frame-mb` \(default 64\) is refused by the worker/);
    expect(STATUS_HELP).toContain('failedReason');
    expect(readme).toMatch(
      /`status` prints `\{ slideId, state, framesTotal,\s+framesDone, framesFailed, framesPending, failedReason\? \}`/,
    );
    expect(readme).toMatch(/Ctrl-C or SIGTERM on `analyze` still writes[\s\S]*on a waiting `submit` it only stops the waiting/);
  });
});
