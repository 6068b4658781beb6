import { readFileSync } from 'node:fs';

/** smearscope's version, from the package.json two folders up (dist/node/cli.js and src/cli/ alike). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
