import { SmearscopeError } from '../errors.js';
import { isolatedProgress } from './isolated-progress.js';
import { evictOtherVersions, keepInCache, openModelCache } from './model-cache.js';
import type { ReadOptions } from './types.js';

/**
 * Fetches `location` into bytes, reporting bytes as they arrive. With `options.cache`, a copy is
 * kept in Cache Storage: 'cache-first' answers from it when present (large, versioned graphs),
 * 'network-first' only when the network fails (small cards, so updates show). With `options.maxBytes`,
 * a larger body is refused by its Content-Length, else while it arrives. The returned bytes are the
 * caller's. Errors are IO_FAILED naming the URL.
 */
export async function fetchBytes(location: string | URL, options: ReadOptions = {}): Promise<Uint8Array> {
  const url = new URL(String(location), globalThis.location?.href);
  const key = options.cacheKey ? new URL(options.cacheKey, url) : url;
  const cache = options.cache ? await openModelCache() : undefined;
  const hit = cache && options.cache === 'cache-first' ? await cache.match(key).catch(() => undefined) : undefined;
  const bytes = hit ? await readBody(hit, url, options, true) : await download(url, key, cache, options);
  // Whichever way a graph came, it is the version in use: the id's other versions go.
  if (cache) await evictOtherVersions(cache, key);
  return bytes;
}

/** `url` from the network, kept in `cache` under `key`; with 'network-first', the cached copy when the network fails. */
async function download(url: URL, key: URL, cache: Cache | undefined, options: ReadOptions): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
    if (!response.ok) throw new SmearscopeError('IO_FAILED', `cannot fetch ${url.href}: HTTP ${response.status}`);
  } catch (error) {
    const fallback = cache && options.cache === 'network-first' ? await cache.match(key).catch(() => undefined) : undefined;
    if (fallback) return readBody(fallback, url, options, true);
    if (error instanceof SmearscopeError) throw error;
    throw new SmearscopeError('IO_FAILED', `cannot fetch ${url.href}: ${(error as Error).message}`, { cause: error });
  }
  const bytes = await readBody(response, url, options, false);
  // Kept after the whole body arrived: a cut-off download is never cached.
  if (cache) await keepInCache(cache, key, bytes, response.headers.get('Content-Type'));
  return bytes;
}

async function readBody(response: Response, url: URL, options: ReadOptions, fromCache: boolean): Promise<Uint8Array> {
  const declared = Number(response.headers.get('Content-Length'));
  const totalBytes = Number.isFinite(declared) && declared > 0 ? declared : undefined;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const tooLarge = () => new SmearscopeError('IO_FAILED', `cannot fetch ${url.href}: over the limit of ${maxBytes} bytes`);
  if (totalBytes !== undefined && totalBytes > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const onProgress = isolatedProgress(options.onProgress);
  const report = (loadedBytes: number) => onProgress({ url: url.href, loadedBytes, ...(totalBytes ? { totalBytes } : {}), fromCache });
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw tooLarge();
    report(bytes.length);
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  report(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      // No (or a lying) Content-Length: counted while reading, stopped at the limit.
      if (loaded > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      report(loaded);
    }
  } catch (error) {
    if (error instanceof SmearscopeError) throw error;
    throw new SmearscopeError('IO_FAILED', `download of ${url.href} broke off after ${loaded} bytes: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
