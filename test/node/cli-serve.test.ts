import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/random.js';

// `smearscope serve` as a user starts it (the built CLI, a child process), so a request that kills
// the server shows as the process exiting.

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `raw` on a fresh connection and reads the whole answer (the server closes the socket). */
function rawRequest(port: number, raw: string | Buffer): Promise<Answer | undefined> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => done(parse(Buffer.concat(chunks).toString('latin1'))));
    socket.write(raw); // not end(): a half-closed request gets no answer from Node's server
  });
}

function parse(text: string): Answer | undefined {
  const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of match[2].split('\r\n')) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(match[1]), headers, body: match[3] };
}

const get = (port: number, path: string, host = 'localhost', method = 'GET') =>
  rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

function expectSecurityHeaders(answer: Answer) {
  expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(answer.headers['cross-origin-embedder-policy']).toBe('require-corp');
}

describe('smearscope serve', () => {
  let server: ChildProcess;
  let port = 0;
  let exited = false;
  beforeAll(async () => {
    server = spawn('node', ['bin/smearscope.js', 'serve', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    server.on('exit', () => (exited = true));
    port = await new Promise<number>((done, fail) => {
      let text = '';
      server.stderr!.on('data', (chunk) => {
        text += chunk;
        const match = /:(\d+) \(cross-origin isolated\)/.exec(text);
        if (match) done(Number(match[1]));
      });
      server.on('exit', (code) => fail(new Error(`serve exited (${code}): ${text}`)));
    });
  });
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('serves dist/, models/, the station at / and the bench page with CSP, nosniff and COOP/COEP; nothing else of the package', async () => {
    // '/' is the review station's page (dist/ui/index.html).
    for (const path of ['/dist/node/index.js', '/models/bm7-resnet10s.json', '/bench/index.html', '/']) {
      const answer = (await get(port, path))!;
      expect(answer.status, path).toBe(200);
      expectSecurityHeaders(answer);
    }
    // The bench page's inline module script is allowed by its hash, nothing else inline.
    expect((await get(port, '/bench/index.html'))!.headers['content-security-policy']).toMatch(
      /script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' 'sha256-/,
    );
    const head = (await get(port, '/dist/node/index.js', 'localhost', 'HEAD'))!;
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const path of [
      '/.git/config',
      '/.npmrc',
      '/package.json',
      '/src/index.ts',
      '/node_modules/comlink/package.json',
      '/dist/../.git/config',
      '/dist/%2e%2e/package.json',
      '/dist/..%2f.git/config',
      '/models/../src/scope.ts',
      '/bench/main.ts',
      '/index.html',
    ]) {
      const answer = (await get(port, path))!;
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expectSecurityHeaders(answer);
    }
    expect((await get(port, '/%'))!.status).toBe(400);
    expect((await get(port, '/dist/node/index.js', 'localhost', 'POST'))!.status).toBe(405);
    expect((await get(port, '/dist/node/index.js', 'localhost', 'DELETE'))!.status).toBe(405);
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own Host.
    expect((await get(port, '/dist/node/index.js', 'evil.example'))!.status).toBe(421);
    expect((await get(port, '/dist/node/index.js', `127.0.0.1:${port}`))!.status).toBe(200);
    expect((await get(port, '/dist/node/index.js', `[::1]:${port}`))!.status).toBe(200);
    expect(exited).toBe(false);
  });

  it('survives 10,000 random and malformed requests and still answers', async () => {
    const random = mulberry32(16);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'CONNECT', 'PROPFIND', 'G\x01T', ''];
    const paths = [
      '/%',
      '/%%',
      '/%zz',
      '/%c0%ae%c0%ae/',
      '/dist/%00',
      '/dist/..%5c..%5cpackage.json',
      '//etc/passwd',
      '/../../../../etc/passwd',
      '/.git/HEAD',
      '/dist/node/index.js',
      '/models/',
      '/dist/node/index.js?x=%',
      '/bench/index.html#%',
      '*',
      'http://evil/dist/node/index.js',
      '/' + 'a'.repeat(9000),
      '/dist/\u00e9\u0000',
      '/%ed%a0%80',
      '/models/%2e%2e%2f%2e%2e%2f.npmrc',
      '',
    ];
    const hosts = ['localhost', `localhost:${port}`, '127.0.0.1', '[::1]', 'evil.example', '', 'localhost:abc', '[::1', ':::', 'LOCALHOST'];
    const randomBytes = (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
    const makeRequest = (): string | Buffer => {
      const kind = random();
      if (kind < 0.15) return Buffer.concat([randomBytes(1 + Math.floor(random() * 200)), Buffer.from('\r\n\r\n')]);
      if (kind < 0.3) {
        const path =
          '/' +
          Array.from({ length: Math.floor(random() * 30) }, () =>
            pick(['%', '%2', '%2f', '..', '/', '.', 'a', '\\', '%00', '~', ';', '?', '#']),
          ).join('');
        return `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
      }
      const headers = random() < 0.1 ? `Content-Length: ${pick(['-1', 'abc', '99999999999999999999', '0'])}\r\n` : '';
      const version = random() < 0.9 ? 'HTTP/1.1' : pick(['HTTP/9.9', 'HTTP/1.0', 'FOO', '']);
      return `${pick(methods)} ${pick(paths)} ${version}\r\nHost: ${pick(hosts)}\r\n${headers}Connection: close\r\n\r\n`;
    };
    const statuses = new Map<number | string, number>();
    let next = 0;
    const total = 10_000;
    const lane = async () => {
      while (next < total) {
        next++;
        const answer = await rawRequest(port, makeRequest());
        const key = answer?.status ?? 'closed without an answer';
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (answer) expectSecurityHeaders(answer);
        if (answer?.status === 200) expect(answer.body).not.toMatch(/\[core\]|repositoryformatversion|root:x:0:0/);
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    console.log(`10,000 requests: ${[...statuses].map(([status, count]) => `${status} x${count}`).join(', ')}`);
    expect(exited).toBe(false);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    const after = (await get(port, '/dist/node/index.js'))!;
    expect(after.status).toBe(200);
    expectSecurityHeaders(after);
  }, 300_000);
});
