/** Exit codes of the t2v command. */
export const EXIT = {
  ok: 0,
  /** A run or command failed (a stage error, a bad dataset, an unwritable output). */
  failed: 1,
  /** The command line or the DAG file is wrong: nothing ran. */
  usage: 2,
  /** Interrupted (Ctrl-C): cleaned up, nothing half-written. */
  aborted: 130,
} as const;
