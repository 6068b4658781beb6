import { releaseProxy, wrap, type Remote } from 'comlink';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import type { WorkerHost, WorkerName } from './worker-host.js';
import './error-transfer.js';

/**
 * One worker and its comlink proxy. Calls in flight when the worker dies reject with
 * WORKER_CRASHED (comlink alone would wait forever); the slot can then be respawned.
 */
export class WorkerSlot<Api> {
  private handle;
  remote: Remote<Api>;
  private alive = true;
  /** Rejecters of the calls in flight, failed together if the worker dies. (Not a Promise.race
   * against a never-settling promise: each race would leave a reaction behind, a slow leak.) */
  private readonly inFlight = new Set<(error: SmearscopeError) => void>();

  constructor(private readonly platform: WorkerHost, private readonly name: WorkerName) {
    ({ handle: this.handle, remote: this.remote } = this.spawn());
  }

  private spawn() {
    const handle = this.platform.spawnWorker(this.name);
    const remote = wrap<Api>(handle.endpoint);
    this.alive = true;
    handle.onExit((reason, code) => {
      this.alive = false;
      const error = new SmearscopeError(code ?? 'WORKER_CRASHED', reason);
      for (const fail of this.inFlight) fail(error);
      this.inFlight.clear();
    });
    return { handle, remote };
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Runs `fn` against the worker; rejects with WORKER_CRASHED if the worker dies meanwhile. */
  async call<T>(fn: (remote: Remote<Api>) => Promise<T>): Promise<T> {
    if (!this.alive) throw new SmearscopeError('WORKER_CRASHED', `${this.name} worker is not running`);
    try {
      return await new Promise<T>((resolve, reject) => {
        this.inFlight.add(reject);
        fn(this.remote).then(resolve, reject).finally(() => this.inFlight.delete(reject));
      });
    } catch (error) {
      // Errors cross the worker boundary as plain Errors with a `code` (see error-transfer.ts).
      throw toSmearscopeError(error, this.name === 'inference' ? 'INFERENCE_FAILED' : 'KERNEL_FAILED');
    }
  }

  /** Replaces a dead (or live) worker with a fresh one. */
  async respawn(): Promise<void> {
    await this.terminate();
    ({ handle: this.handle, remote: this.remote } = this.spawn());
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
