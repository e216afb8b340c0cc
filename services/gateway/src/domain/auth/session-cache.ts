import { listenForNotifications, type NotificationListener, type SessionUser } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';

/** The channel a trigger on sessions and users notifies when a session may have been revoked (migration 20261121180000). */
export const sessionsChannel = 'amplifi_sessions';

export interface SessionCacheOptions {
  /** How long a verified session is answered from memory; 0 turns the cache off. */
  ttlMs: number;
  /** The most sessions kept; the oldest go first. */
  maxEntries: number;
}

/**
 * Verified sessions by token hash, for a few seconds, so that a client's burst of requests costs one session
 * lookup instead of one each (the lookup was half of an authenticated read's database work; BENCHMARKS.md).
 *
 * Revocation stays immediate: this gateway forgets a session it revokes itself, and every revocation anywhere
 * (another gateway, a deactivated device, a disabled user, an operator's SQL) fires a trigger whose notification
 * reaches every gateway at commit (within milliseconds) and makes it forget all it holds. The cache is trusted only while this gateway is
 * listening: before the listener connects, and from the moment its connection fails until it is back, every
 * request is looked up in Postgres. The expiry is still checked on every request against the cached row.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: SessionUser; at: number }>();
  private listening = false;
  /** Moves on at every revocation, so that a lookup that started before one does not keep what it read. */
  private generation = 0;
  private listener: NotificationListener | undefined;

  constructor(private readonly options: SessionCacheOptions) {}

  get enabled(): boolean {
    return this.listening && this.options.ttlMs > 0;
  }

  /**
   * The session behind a token hash: from memory when it was verified within the TTL, else from `load` (kept
   * for next time). A lookup that was under way when a revocation arrived is not kept: it may predate it.
   */
  async lookup(tokenHash: string, load: () => Promise<SessionUser | undefined>): Promise<SessionUser | undefined> {
    const cached = this.enabled ? this.entries.get(tokenHash) : undefined;
    if (cached && performance.now() - cached.at <= this.options.ttlMs) return cached.session;
    if (cached) this.entries.delete(tokenHash);
    const generation = this.generation;
    const session = await load();
    if (session && this.enabled && generation === this.generation) this.keep(tokenHash, session);
    return session;
  }

  private keep(tokenHash: string, session: SessionUser): void {
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(tokenHash, { session, at: performance.now() });
  }

  /** Forgets every session of a user (a revocation made by this gateway). */
  forgetUser(userId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (entry.session.userId === userId) this.entries.delete(hash);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Starts listening for revocations; until it has, and whenever the connection is lost, nothing is cached. */
  async listen(connectionString: string, logger: Logger): Promise<void> {
    if (this.options.ttlMs === 0) return;
    this.listener = await listenForNotifications({
      connectionString,
      channel: sessionsChannel,
      applicationName: 'amplifi-gateway-sessions',
      // Also called after each (re)connection: notifications sent while disconnected are lost, so start afresh.
      onNotify: () => {
        this.clear();
        this.listening = true;
      },
      onError: (error) => {
        this.listening = false;
        this.clear();
        logger.warn({ err: error.message }, 'session revocation listener lost its connection; sessions are not cached until it is back');
      },
    });
  }

  async close(): Promise<void> {
    this.listening = false;
    this.clear();
    await this.listener?.close();
  }
}
