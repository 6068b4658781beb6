import { releaseProxy, wrap, type Remote } from 'comlink';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import './error-transfer.js';
import type { Platform, WorkerName } from '../platform/types.js';

/**
 * One worker and its comlink proxy. A call in flight when the worker dies rejects with
 * WORKER_CRASHED (comlink alone would wait forever); the slot can then be respawned.
 */
export class WorkerSlot<Api> {
  private handle;
  remote: Remote<Api>;
  private dead: Promise<never>;
  private alive = true;
  /** Calls made through `call`, for tests and progress. */
  calls = 0;

  constructor(private readonly platform: Platform, private readonly name: WorkerName) {
    ({ handle: this.handle, remote: this.remote, dead: this.dead } = this.spawn());
  }

  private spawn() {
    const handle = this.platform.spawnWorker(this.name);
    const remote = wrap<Api>(handle.endpoint);
    this.alive = true;
    const dead = new Promise<never>((_, reject) => {
      handle.onExit((reason) => {
        this.alive = false;
        reject(new SmearscopeError('WORKER_CRASHED', reason));
      });
    });
    dead.catch(() => undefined); // observed through `call`; never an unhandled rejection
    return { handle, remote, dead };
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Runs `fn` against the worker; rejects with WORKER_CRASHED if the worker dies meanwhile. */
  async call<T>(fn: (remote: Remote<Api>) => Promise<T>): Promise<T> {
    this.calls++;
    if (!this.alive) throw new SmearscopeError('WORKER_CRASHED', `${this.name} worker is not running`);
    try {
      return await Promise.race([fn(this.remote), this.dead]);
    } catch (error) {
      // Errors cross the worker boundary as plain Errors with a `code` (see error-transfer.ts).
      throw toSmearscopeError(error, this.name === 'inference' ? 'INFERENCE_FAILED' : 'KERNEL_FAILED');
    }
  }

  /** Replaces a dead (or live) worker with a fresh one. */
  async respawn(): Promise<void> {
    await this.terminate();
    ({ handle: this.handle, remote: this.remote, dead: this.dead } = this.spawn());
  }

  async terminate(): Promise<void> {
    this.alive = false;
    try {
      // Not awaited: a dead worker never acknowledges.
      void (this.remote as unknown as { [releaseProxy]: () => Promise<void> })[releaseProxy]()?.catch?.(() => undefined);
    } catch {
      // the endpoint is already closed
    }
    await this.handle.terminate().catch(() => undefined);
  }
}
