import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';

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

/** Names a browser on this machine uses for it; any other Host header may be DNS rebinding. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Bind addresses that listen on every interface: no Host name to check against. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** Everything a page needs and nothing more: same-origin scripts and WASM, no plugins, no framing. */
const CSP_BASE = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
];

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves files under `mounts` on `host` with the COOP/COEP headers that make a page cross-origin
 * isolated, so WASM threads (SharedArrayBuffer) work. A mount key ending in '/' is a folder prefix
 * (paths cannot leave the folder, no dot-files); any other key is one exact file. Only GET and
 * HEAD; a malformed URL gets 400; a Host header that is not a loopback name (or the bound host)
 * gets 421. Every answer carries CSP, nosniff and COOP/COEP; inline scripts of a served HTML page
 * are allowed by their SHA-256 and nothing else inline runs. Port 0 picks a free port.
 * `options.index` is the page answered for `/`. `options.isolated: false` leaves COOP/COEP out, as
 * most hosts do (tests use it to check that pages without isolation still run on one thread).
 */
export async function startStaticServer(
  mounts: Record<string, string>,
  port = 0,
  host = '127.0.0.1',
  options: { index?: string; isolated?: boolean; headersTimeoutMs?: number } = {},
): Promise<StaticServer> {
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const isolated = options.isolated ?? true;
  const folders = Object.entries(mounts)
    .filter(([prefix]) => prefix.endsWith('/'))
    .map(([prefix, folder]) => [prefix, resolve(folder)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const files = new Map(
    Object.entries(mounts)
      .filter(([prefix]) => !prefix.endsWith('/'))
      .map(([path, file]) => [path, resolve(file)]),
  );
  const allowedHosts = new Set(LOOPBACK_HOSTS);
  allowedHosts.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  const anyHost = WILDCARD_HOSTS.has(host);

  // The timeouts are enforced by a periodic check of every connection (Node's default: every 30 s).
  const server: Server = createServer({ connectionsCheckingInterval: Math.min(30_000, headersTimeoutMs / 2) }, (request, response) => {
    answer(request, response).catch(() => {
      // A failure after the headers went out (a file vanished mid-read): drop the connection.
      if (!response.headersSent) send(response, 500, 'internal error');
      else response.destroy();
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
      return;
    }
    if (!anyHost && !allowedHosts.has(hostName(request.headers.host))) {
      send(response, 421, 'unknown Host: open this server by localhost, or start it with --host');
      return;
    }
    const path = decodePath(request.url);
    if (path === undefined) {
      send(response, 400, 'malformed URL');
      return;
    }
    // `/` answers with options.index (a path resolved through the mounts like any other): the station's page.
    const file = locate(path === '/' && options.index ? `/${options.index}` : path);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile()) {
      send(response, 404, 'not found');
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      // Pages are small: read whole, so their inline scripts can be hashed into the CSP.
      const html = await readFile(file);
      const headers = { 'Content-Type': type, 'Content-Length': html.length };
      response.writeHead(200, { ...securityHeaders(inlineScriptHashes(html.toString('utf8')), isolated), ...headers });
      response.end(request.method === 'HEAD' ? undefined : html);
      return;
    }
    response.writeHead(200, { ...securityHeaders([], isolated), 'Content-Type': type, 'Content-Length': info.size });
    if (request.method === 'HEAD') response.end();
    else
      createReadStream(file)
        .on('error', () => response.destroy())
        .pipe(response);
  }

  /** The file a decoded URL path names, or undefined when no mount holds it. */
  function locate(path: string): string | undefined {
    const exact = files.get(path);
    if (exact) return exact;
    const mount = folders.find(([prefix]) => path.startsWith(prefix));
    if (!mount) return undefined;
    const rest = path.slice(mount[0].length);
    if (rest.split('/').some((part) => part.startsWith('.'))) return undefined; // .git, .npmrc, ..
    const file = normalize(join(mount[1], rest));
    return file.startsWith(mount[1] + sep) ? file : undefined;
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  // A client that never finishes its request must not hold a socket forever.
  server.requestTimeout = Math.max(30_000, headersTimeoutMs);
  server.headersTimeout = headersTimeoutMs;
  // Requests Node's parser refuses, and CONNECT / Upgrade, which bypass the request handler.
  // A connection that sent no request in time (a browser's preconnected socket, or a slow client)
  // is closed without an answer: an answer there would be read by the browser as the response to
  // the request it sends next on that socket (an empty 400 where a file was asked for); a closed idle
  // socket is retried on a fresh one.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.destroy();
    else endRaw(socket, '400 Bad Request');
  });
  server.on('connect', (_request, socket: Duplex) => endRaw(socket, '405 Method Not Allowed'));
  server.on('upgrade', (_request, socket: Duplex) => endRaw(socket, '405 Method Not Allowed'));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host === '127.0.0.1' || anyHost ? 'localhost' : host}:${actualPort}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The URL's path, percent-decoded; undefined when it does not parse or decode, or holds a NUL. */
function decodePath(url: string | undefined): string | undefined {
  if (!url?.startsWith('/')) return undefined;
  try {
    const path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
    return path.includes('\0') || path.includes('\\') ? undefined : path;
  } catch {
    return undefined;
  }
}

/** The host name of a Host header, without its port ('[::1]:8080' -> '[::1]'), lower case. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0];
  return name.toLowerCase();
}

/** `isolated: false` leaves COOP/COEP out (files of a non-isolated test page; error answers keep them). */
function securityHeaders(scriptHashes: string[], isolated = true): OutgoingHttpHeaders {
  // 'unsafe-eval': onnxruntime-web's WebGPU glue (embind) builds its method callers with new Function;
  // without it WebGPU inference never starts. Inline scripts, other origins, plugins and framing stay
  // blocked.
  const scripts = ["script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'", ...scriptHashes.map((hash) => `'sha256-${hash}'`)].join(' ');
  return {
    'Content-Security-Policy': [...CSP_BASE, scripts].join('; '),
    'X-Content-Type-Options': 'nosniff',
    ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/** Base64 SHA-256 of each inline <script> body of a page, as CSP hash sources. */
function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    hashes.push(createHash('sha256').update(match[1], 'utf8').digest('base64'));
  }
  return hashes;
}

/** Answers on a raw socket (outside the request handler) with the same security headers, then closes it. */
function endRaw(socket: Duplex, status: string): void {
  const headers = Object.entries(securityHeaders([]))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  else socket.destroy();
}

function send(response: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...securityHeaders([]), 'Content-Type': 'text/plain; charset=utf-8', ...extra }).end(text);
}
