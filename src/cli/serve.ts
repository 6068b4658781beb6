import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveNumber } from './parse-options.js';
import { startStaticServer } from './static-server.js';

/**
 * Everything `serve` answers, and nothing else (no .git, no sources, no node_modules): URL path ->
 * path in the package. A key ending in '/' serves that folder; any other key is one page.
 */
export const SERVED: Readonly<Record<string, string>> = {
  '/dist/': 'dist', // the library, workers, ORT runtime files, the review station, the bench bundle
  '/models/': 'models', // model cards and their ONNX graphs
  '/build/bench/': 'build/bench', // the benchmark's frames (npm run bench -- prepare)
  '/bench/index.html': 'bench/index.html', // the browser benchmark page
};

export const SERVE_HELP = `Usage: smearscope serve [--port 8080 (0: any free port)] [--host 127.0.0.1] [--data ../shared/data]

Serves the pages and what they load (${Object.keys(SERVED).join(', ')}) with the COOP/COEP
headers that make pages cross-origin isolated (WASM threads). / is the review station (a kiosk
page: open frames, review the cells, sign off; nothing leaves the machine). Open /bench/index.html to run the
browser benchmark on this machine's browser. --data also serves a data folder under /data/.
Only GET and HEAD; requests must name the host as localhost/127.0.0.1/[::1] unless --host binds
another address (DNS-rebinding guard). Ctrl-C or SIGTERM stops it.
`;

/** The review station's kiosk page (built by esbuild.mjs), answered for `/`. */
export const STATION_PAGE = 'dist/ui/index.html';

/** `smearscope serve`: runs until SIGINT/SIGTERM. */
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
  const port = values.port === '0' ? 0 : (positiveNumber('port', values.port, true) ?? 8080); // 0: any free port
  const mounts = Object.fromEntries(Object.entries(SERVED).map(([path, local]) => [path, resolve(root, local)]));
  if (values.data) mounts['/data/'] = values.data;
  const server = await startStaticServer(mounts, port, values.host ?? '127.0.0.1', { index: STATION_PAGE });
  process.stderr.write(`smearscope: serving ${Object.keys(mounts).join(' ')} at ${server.url} (cross-origin isolated); Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}
