// The browser's copy of model files (cards and graphs) in Cache Storage, so a kiosk starts offline
// after one load. Graphs are keyed by their card's id and version (load-model.ts appends
// `?smearscope-model=<id>@<version>[&dtype=fp16]` to the graph's URL): a replaced graph needs a new
// version, and loading one version of an id evicts the others, so the cache holds one per id.

/** The Cache Storage bucket; `caches.delete(MODEL_CACHE)` empties it (README "Embedding in a web app"). */
export const MODEL_CACHE = 'smearscope-models-v1';

export async function openModelCache(): Promise<Cache | undefined> {
  // Cache Storage exists only in secure contexts (https, localhost); elsewhere files are not kept.
  return globalThis.caches?.open(MODEL_CACHE).catch(() => undefined);
}

/** Keeps `bytes` under `key`, with their length (reported as totalBytes when they are read back). Best effort. */
export async function keepInCache(cache: Cache, key: URL, bytes: Uint8Array, contentType: string | null): Promise<void> {
  const headers = { 'Content-Type': contentType ?? 'application/octet-stream', 'Content-Length': String(bytes.length) };
  await cache.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => undefined);
}

/** Deletes the cached graphs of the same model id as `key` but another version. Best effort. */
export async function evictOtherVersions(cache: Cache, key: URL): Promise<void> {
  const loaded = modelVersion(key);
  if (!loaded) return;
  const requests = await cache.keys().catch(() => [] as readonly Request[]);
  const stale = requests.filter((request) => {
    const cached = modelVersion(new URL(request.url));
    return cached?.id === loaded.id && cached.version !== loaded.version;
  });
  await Promise.all(stale.map((request) => cache.delete(request).catch(() => false)));
}

/** The id and version a graph's cache key names; undefined for other entries (cards). */
function modelVersion(key: URL): { id: string; version: string } | undefined {
  const named = key.searchParams.get('smearscope-model');
  const at = named?.lastIndexOf('@') ?? -1;
  return named && at > 0 ? { id: named.slice(0, at), version: named.slice(at + 1) } : undefined;
}
