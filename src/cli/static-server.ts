import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.map': 'application/json',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves files under `mounts` (URL prefix -> folder) on localhost with the COOP/COEP headers that
 * make a page cross-origin isolated, so WASM threads (SharedArrayBuffer) work. Paths cannot leave
 * their folder. Port 0 picks a free port. `options.index` is the page answered for `/`.
 * `options.isolated: false` leaves COOP/COEP out, as most hosts do (the tests use it to check that
 * pages without isolation still run on one thread).
 */
export async function startStaticServer(
  mounts: Record<string, string>,
  port = 0,
  host = '127.0.0.1',
  options: { index?: string; isolated?: boolean } = {},
): Promise<StaticServer> {
  const isolation = options.isolated === false ? {} : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const roots = Object.entries(mounts)
    .map(([prefix, folder]) => [prefix.endsWith('/') ? prefix : prefix + '/', resolve(folder)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const server: Server = createServer(async (request, response) => {
    const requested = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    // `/` answers with options.index (resolved through the mounts like any path): the station's page.
    const path = requested === '/' && options.index ? `/${options.index}` : requested;
    const mount = roots.find(([prefix]) => path.startsWith(prefix));
    const file = mount ? normalize(join(mount[1], path.slice(mount[0].length))) : undefined;
    const headers = {
      ...isolation,
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    if (!mount || !file || (file !== mount[1] && !file.startsWith(mount[1] + sep))) {
      response.writeHead(404, headers).end('not found');
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      response.writeHead(404, headers).end('not found');
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((done) => server.listen(port, host, done));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${actualPort}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
