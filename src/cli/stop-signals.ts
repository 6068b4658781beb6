/** Exit statuses of interrupted runs, as shells report a process killed by the signal. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT;

export interface StopSignals {
  /** The first SIGINT or SIGTERM received, if any. */
  readonly received: StopSignal | undefined;
  /** Stops catching them (Node's default again: the process ends at once). */
  release(): void;
}

/**
 * Catches SIGINT (Ctrl-C) and SIGTERM so that a command can end its own way: the first calls
 * `onStop`; a second one exits at once with the first's status, for a user who will not wait.
 */
export function catchStopSignals(onStop: (signal: StopSignal) => void): StopSignals {
  let received: StopSignal | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (received) process.exit(SIGNAL_EXIT[received]);
    received = name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    onStop(received);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get received() {
      return received;
    },
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
