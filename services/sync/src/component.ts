/** One concern of the sync process (webhook delivery, a back-office's change ingestion), started and stopped with it. */
export interface SyncComponent {
  name: string;
  /** Resolves once running; rejects when it cannot start. */
  start(): Promise<void>;
  /** Stops taking work, lets work in flight finish, and closes what it opened. */
  stop(): Promise<void>;
}
