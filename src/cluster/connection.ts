import type { ConnectionOptions } from 'bullmq';
import { checkRequiredString } from '../check-options.js';
import { SmearscopeError } from '../errors.js';

/** Queue of frame jobs (children), one per frame. */
export const FRAMES_QUEUE = 'smearscope-frames';
/** Queue of slide jobs (parents): a slide job runs once all its frames are done and aggregates them. */
export const SLIDES_QUEUE = 'smearscope-slides';

/** INVALID_ARGUMENT unless the queue option is a non-empty string (redisConnection reads the URL). */
export function checkQueue(queue: unknown): void {
  checkRequiredString('queue', queue, 'a Redis URL like redis://10.0.0.5:6379');
}

/**
 * ioredis options from a `redis://[user:password@]host[:port][/db]` URL (rediss:// for TLS).
 * `maxRetriesPerRequest: null` makes commands wait for a reconnect instead of failing, so a Redis
 * restart pauses workers and submitters rather than failing their jobs (BullMQ requires it for workers).
 * Throws INVALID_ARGUMENT naming the expected form.
 */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SmearscopeError('INVALID_ARGUMENT', `--queue must be a Redis URL like redis://127.0.0.1:6379, got "${shownQueueUrl(url)}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new SmearscopeError('INVALID_ARGUMENT', `--queue must start with redis:// or rediss://, got "${shownQueueUrl(url)}"`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new SmearscopeError('INVALID_ARGUMENT', `the database in --queue must be an integer, got "${parsed.pathname.slice(1)}"`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    // Reconnect quickly at first, then every 2 s at most, for as long as it takes.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** `url` for logs and messages: its password (a `requirepass` secret) as ***. */
export function shownQueueUrl(url: string): string {
  // By pattern, not by URL parsing: a URL that does not parse (a bad port) may still hold one.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Waits until a queue client has connected. A submitter (unlike a worker, which waits for Redis as
 * long as it takes) should say soon that Redis cannot be reached: IO_FAILED after `timeoutMs`.
 */
export async function connected(client: { waitUntilReady(): Promise<unknown> }, url: string, timeoutMs = 15_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SmearscopeError(
            'IO_FAILED',
            `cannot reach Redis at ${shownQueueUrl(url)} within ${timeoutMs / 1000} s; is redis-server running there, and reachable from this host?`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
