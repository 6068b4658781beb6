import { releaseProxy, wrap, type Remote } from 'comlink';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import type { WorkerHandle, WorkerHost, WorkerName } from './worker-host.js';
import './error-transfer.js';

/** How long a worker may take to stop when terminated before we stop waiting for it (a thread
 * inside native code, e.g. an ONNX Runtime run, only stops when that call returns). */
const TERMINATE_WAIT_MS = 2000;

export interface CallLimits {
  /** Budget of this call, ms: when it runs out the worker is killed and the call rejects with
   * `timeoutError()`. */
  timeoutMs?: number;
  timeoutError?: () => SmearscopeError;
  /** Aborting kills the worker (its work is abandoned) and the call rejects with ABORTED. */
  signal?: AbortSignal;
}

/** One spawned worker: its handle, proxy, and the calls it has not answered yet. */
interface Spawned<Api> {
  handle: WorkerHandle;
  remote: Remote<Api>;
  /** Calls sent and not yet answered by this worker (even if their callers were already failed). */
  unanswered: number;
  /** Set when this worker was given up: it is terminated as soon as `unanswered` reaches 0. */
  retired?: () => void;
}

/**
 * One worker and its comlink proxy. Calls in flight when the worker dies reject with
 * WORKER_CRASHED (comlink alone would wait forever), DISPOSED when close() stopped it; a call over its budget, or whose signal
 * aborts, kills the worker. A dead slot is replaced with `respawn()`.
 *
 * `drainBeforeTerminate()` true (onnxruntime-node in the worker): a killed worker is given up at
 * once (its callers fail and a new worker can start), but its thread is terminated only after its
 * native call returns: terminating a thread while an ONNX Runtime native call is in flight aborts
 * the whole process (its completion callback throws into a torn-down environment).
 */
export class WorkerSlot<Api> {
  private current: Spawned<Api>;
  private alive = true;
  /** Set by close(): the slot never spawns again (a restart still in flight gives up). */
  private closed = false;
  /** Rejecters of the calls in flight, failed together if the worker dies. (Not a Promise.race
   * against a never-settling promise: each race would leave a reaction behind, a slow leak.) */
  private readonly inFlight = new Set<(error: SmearscopeError) => void>();

  constructor(
    private readonly platform: WorkerHost,
    private readonly name: WorkerName,
    private readonly drainBeforeTerminate: () => boolean = () => false,
  ) {
    this.current = this.spawn();
  }

  get remote(): Remote<Api> {
    return this.current.remote;
  }

  private spawn(): Spawned<Api> {
    const handle = this.platform.spawnWorker(this.name);
    const spawned: Spawned<Api> = { handle, remote: wrap<Api>(handle.endpoint), unanswered: 0 };
    this.alive = true;
    handle.onExit((reason, code) => {
      // A worker that failed to load its script reports IO_FAILED (naming the URL), not a crash.
      if (this.current === spawned) this.die(new SmearscopeError(code ?? 'WORKER_CRASHED', reason));
    });
    return spawned;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Runs `fn` against the worker; rejects with WORKER_CRASHED if the worker dies meanwhile, or
   * as `limits` say when it overruns its budget or is aborted (the worker is killed then). */
  async call<T>(fn: (remote: Remote<Api>) => Promise<T>, limits: CallLimits = {}): Promise<T> {
    if (!this.alive) throw this.closed ? this.closedError() : new SmearscopeError('WORKER_CRASHED', `${this.name} worker is not running`);
    if (limits.signal?.aborted) throw new SmearscopeError('ABORTED', 'analysis aborted');
    const spawned = this.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        this.inFlight.add(reject);
        // This call gets the timeout (or abort) error; other calls in flight on the killed worker
        // get WORKER_CRASHED, which callers retry.
        if (limits.timeoutMs !== undefined && Number.isFinite(limits.timeoutMs)) {
          timer = setTimeout(() => {
            reject(limits.timeoutError?.() ?? new SmearscopeError('FRAME_TIMEOUT', `${this.name} call overran ${limits.timeoutMs} ms`));
            this.kill();
          }, limits.timeoutMs);
        }
        if (limits.signal) {
          onAbort = () => {
            reject(new SmearscopeError('ABORTED', `analysis aborted; the ${this.name} worker's work was abandoned`));
            this.kill();
          };
          limits.signal.addEventListener('abort', onAbort, { once: true });
        }
        spawned.unanswered++;
        fn(spawned.remote)
          .finally(() => {
            this.inFlight.delete(reject);
            if (--spawned.unanswered === 0) spawned.retired?.();
          })
          .then(resolve, reject);
      });
    } catch (error) {
      // Errors cross the worker boundary as plain Errors with a `code` (see error-transfer.ts).
      throw toSmearscopeError(error, this.name === 'inference' ? 'INFERENCE_FAILED' : 'KERNEL_FAILED');
    } finally {
      if (timer) clearTimeout(timer);
      if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills the worker now (not waiting for it) and fails its calls in flight with `error`. */
  kill(error = new SmearscopeError('WORKER_CRASHED', `${this.name} worker killed`)): void {
    if (!this.alive) return;
    this.die(error);
    void this.stop(this.current);
  }

  /** Replaces a dead (or live) worker with a fresh one; rejects with DISPOSED once the slot is closed
   * (also when close() comes while the old worker is still stopping). */
  async respawn(): Promise<void> {
    await this.terminate();
    if (this.closed) throw this.closedError();
    this.current = this.spawn();
  }

  /** Stops the worker for good: a worker spawned after this would outlive its scope and keep the
   * host process from exiting. Its calls in flight fail with DISPOSED: the worker did not crash, and
   * a WORKER_CRASHED would have its callers retry or report a crash. */
  async close(): Promise<void> {
    this.closed = true;
    await this.terminate(this.closedError());
  }

  /** Stops the worker, waiting at most TERMINATE_WAIT_MS for the thread to end; its calls in flight
   * fail with `error`. */
  async terminate(error = new SmearscopeError('WORKER_CRASHED', `${this.name} worker terminated`)): Promise<void> {
    this.die(error);
    await settleWithin(this.stop(this.current), TERMINATE_WAIT_MS);
  }

  private closedError(): SmearscopeError {
    return new SmearscopeError('DISPOSED', `the ${this.name} worker was closed (the scope was disposed)`);
  }

  private die(error: SmearscopeError): void {
    this.alive = false;
    for (const fail of this.inFlight) fail(error);
    this.inFlight.clear();
  }

  /** Ends a worker: now, or (draining) once it has answered its calls. Idempotent. */
  private stop(spawned: Spawned<Api>): Promise<void> {
    if (spawned.retired) return Promise.resolve();
    return new Promise<void>((done) => {
      spawned.retired = () => {
        spawned.retired = () => undefined;
        try {
          // Not awaited: a dead worker never acknowledges.
          void (spawned.remote as unknown as { [releaseProxy]: () => Promise<void> })[releaseProxy]()?.catch?.(() => undefined);
        } catch {
          // the endpoint is already closed
        }
        spawned.handle.terminate().then(done, done);
      };
      if (!(this.drainBeforeTerminate() && spawned.unanswered > 0)) spawned.retired();
    });
  }
}

/** Waits for `promise` (ignoring its outcome) at most `ms`. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    promise
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        clearTimeout(timer);
        done();
      });
  });
}
