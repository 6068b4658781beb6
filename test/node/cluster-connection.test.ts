// Queue URLs and an unreachable Redis, without a Redis.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redisConnection, shownQueueUrl } from '../../src/cluster/connection.js';
import { getSlideStatus } from '../../src/cluster/submit.js';

describe('cluster connection', () => {
  it('reads host, port, database and credentials from a redis:// URL', () => {
    expect(redisConnection('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisConnection('redis://:s%40cret@redis.lab')).toMatchObject({ host: 'redis.lab', port: 6379, db: 0, password: 's@cret' });
    expect(redisConnection('rediss://u:p@h:1')).toMatchObject({ username: 'u', password: 'p', tls: {} });
  });

  it('refuses what is not a Redis URL, saying the expected form', () => {
    for (const url of ['127.0.0.1:6379', 'http://127.0.0.1:6379', 'redis://h:1/x']) {
      expect(() => redisConnection(url)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('never shows the queue password (logs, hints, messages)', () => {
    expect(shownQueueUrl('redis://:s%40cret@redis.lab:6380/2')).toBe('redis://:***@redis.lab:6380/2');
    expect(shownQueueUrl('rediss://u:p@h:1')).toBe('rediss://u:***@h:1');
    expect(shownQueueUrl('redis://10.0.0.5:6379')).toBe('redis://10.0.0.5:6379');
    expect(shownQueueUrl('not a url')).toBe('not a url');
    // Not parseable as a URL, still masked, and so are the refusals that show it.
    expect(shownQueueUrl('redis://:hunter2@10.0.0.5:99999')).toBe('redis://:***@10.0.0.5:99999');
    for (const url of ['valkey://:hunter2@10.0.0.5:6379', 'redis://:hunter2@10.0.0.5:99999']) {
      const refusal = (() => {
        try {
          redisConnection(url);
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      })();
      expect(refusal).toMatch(/^--queue must /);
      expect(refusal).not.toMatch(/hunter2/);
    }
  });

  it('says soon that a Redis cannot be reached instead of waiting for ever', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const failure = await getSlideStatus({ queue: `redis://:hunter2@127.0.0.1:${port}`, slideId: 'x' }).catch((error: Error) => error);
    expect(failure).toMatchObject({ code: 'IO_FAILED', message: expect.stringMatching(/cannot reach Redis at redis:\/\/:\*\*\*@127/) });
    expect((failure as Error).message).not.toMatch(/hunter2/);
  }, 60_000);
});
