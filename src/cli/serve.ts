import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveNumber } from './parse-options.js';
import { startStaticServer } from './static-server.js';

export const SERVE_HELP = `Usage: smearscope serve [--port 8080] [--host 127.0.0.1] [--data ../shared/data]

Serves the package (dist/, models/, bench/) on localhost with the COOP/COEP headers that make
pages cross-origin isolated (WASM threads). / is the review station (a kiosk page: open frames,
review the cells, sign off; nothing leaves the machine). Open /bench/index.html to run the
browser benchmark on this machine's browser. --data also serves a data folder under /data/.
`;

/** The review station's kiosk page (built by esbuild.mjs), answered for `/`. */
export const STATION_PAGE = 'dist/ui/index.html';

/** `smearscope serve`: runs until interrupted. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  // dist/node/cli.js -> the package root
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const port = positiveNumber('port', values.port, true) ?? 8080;
  const mounts = { '/': root, ...(values.data ? { '/data/': values.data } : {}) };
  const server = await startStaticServer(mounts, port, values.host ?? '127.0.0.1', { index: STATION_PAGE });
  process.stderr.write(`smearscope: serving ${root} at ${server.url} (cross-origin isolated); Ctrl-C stops\n`);
  await new Promise<void>((done) => process.once('SIGINT', done));
  await server.close();
  return 0;
}
