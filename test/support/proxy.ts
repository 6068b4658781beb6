import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  /** http://localhost:<port>: a page opened here is same-origin with everything it loads through the proxy. */
  url: string;
  /** Paths starting with one of these get their connection dropped (a network failure, as offline), until changed. */
  drop: string[];
  close(): Promise<void>;
}

/**
 * A proxy in front of a test server (openBrowser's), for what that server never does: answers
 * with other headers (`headers` replace the server's, e.g. a stricter Content-Security-Policy), or
 * no answer at all for the paths in `drop` (the browser sees a network error, not an HTTP status).
 */
export async function startProxy(target: string, options: { headers?: Record<string, string> } = {}): Promise<TestProxy> {
  const upstream = new URL(target);
  // Node's header names are lower case: the same here, so a replacement does not go out twice.
  const replaced = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const proxy: TestProxy = { url: '', drop: [], close: async () => {} };
  const server = createServer((incoming, answer) => {
    if (proxy.drop.some((prefix) => incoming.url?.startsWith(prefix))) {
      incoming.socket.destroy();
      return;
    }
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, { ...response.headers, ...replaced });
        response.pipe(answer);
      },
    );
    forwarded.on('error', () => answer.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  proxy.url = `http://localhost:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  return proxy;
}
