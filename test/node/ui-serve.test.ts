import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `smearscope serve` answers / with the review station, and every module the page imports is
// served from the package (the station works offline).
describe('smearscope serve: the review station at /', () => {
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    if (!existsSync('dist/ui/index.html')) throw new Error('dist/ui is missing: run npm run build first');
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = spawn(process.execPath, ['bin/smearscope.js', 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    base = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.stderr!.on('data', (chunk: Buffer) => {
        text += chunk;
        const url = /at (http:\/\/\S+) /.exec(text)?.[1];
        if (url) resolve(url);
      });
      server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
    });
  });
  afterAll(() => {
    server?.kill('SIGINT');
  });

  it('serves the kiosk page at / and the modules it loads, cross-origin isolated', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await page.text();
    expect(html).toMatch(/<title>smearscope review station<\/title>/);
    const pending = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    const seen = new Set<string>();
    while (pending.length) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      if (!path.endsWith('.js')) continue;
      // Static imports of the bundle's chunks, relative to it.
      const text = await response.text();
      for (const m of text.matchAll(/from\s*"(\.\/[^"]+\.js)"|import\s*"(\.\/[^"]+\.js)"/g)) pending.push(new URL(m[1] ?? m[2], `${base}${path}`).pathname);
    }
    expect([...seen].some((path) => /\/dist\/ui\/chunk-.*\.js$/.test(path))).toBe(true);
  });
});
