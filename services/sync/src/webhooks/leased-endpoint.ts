import { webhookSecretContext } from '@amplifi/contracts';
import {
  recordWebhookAttempts,
  releaseWebhookLease,
  renewWebhookLease,
  type Db,
  type DeliveryRecord,
  type EndpointStateChange,
  type WebhookEndpointRow,
} from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import { WebhookSigner, type SigningSecret } from './transport';

export interface LeaseOptions {
  db: Db;
  cipher: FieldCipher;
  logger: Logger;
  now: () => Date;
  owner: string;
  leaseMs: number;
  /** Deliveries waiting to be written are written once this many wait… */
  recordBatchMax: number;
  /** …or once the oldest has waited this long: how late the delivery log and the endpoint's state can be. */
  recordDelayMs: number;
}

/** One attempt's record, as the worker decided it. */
export interface Attempt {
  delivery: DeliveryRecord;
  replayId?: string;
  disabledEvent?: Record<string, unknown>;
  /** What to log about it once it is written. */
  log: { fields: Record<string, unknown>; level: 'debug' | 'info' | 'warn'; msg: string };
}

/**
 * An endpoint while this process holds its lease: the row as last read, the lease's expiry, the signer, and the
 * attempts not yet written.
 *
 * The lease is renewed only once less than half of it is left (WEBHOOK_LEASE_MS is at least twice the request
 * timeout, so a request started with half the lease left ends before the lease can). Every write extends it
 * too and reads the row back, so a change an operator makes (URL, subscription, deactivation, a new secret) is
 * seen at the next write or renewal; the secrets are decrypted again only when the row shows other ones.
 *
 * Successful deliveries can wait to be written, together (`defer`): up to recordBatchMax of them or
 * recordDelayMs, whichever comes first, and always before the lease is released. Writes happen one at a time
 * and in order, each conditional on the lease. A write that finds the lease lost (or fails) ends the lease
 * here: what it carried was sent but not recorded, so the cursor stays behind it and whoever delivers next
 * sends it again (at least once, never skipped).
 */
export class LeasedEndpoint {
  private current: WebhookEndpointRow;
  private expiry: number;
  private lost = false;
  private signerFor: { secrets: string; signer: WebhookSigner } | undefined;
  private waiting: Attempt[] = [];
  private change: EndpointStateChange = {};
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: LeaseOptions,
    claimed: WebhookEndpointRow,
  ) {
    this.current = claimed;
    this.expiry = claimed.dtsLeaseExpiry?.getTime() ?? 0;
  }

  /** The endpoint as last read, with what was decided since and is not written yet. */
  get row(): WebhookEndpointRow {
    return this.current;
  }

  /** Whether requests may still go out: the lease is held, with at least half of it left (renewed if not). */
  async hold(): Promise<boolean> {
    if (this.lost) return false;
    if (this.expiry - this.options.now().getTime() >= this.options.leaseMs / 2) return true;
    return this.write('renew');
  }

  /** The signer for the endpoint's secrets as last read; decrypted again only when they changed. */
  signer(): WebhookSigner {
    const row = this.current;
    const secrets = `${row.secretCiphertext} ${row.previousSecretCiphertext ?? ''} ${row.dtsPreviousSecretExpiry?.getTime() ?? ''}`;
    if (this.signerFor?.secrets !== secrets) {
      const { cipher } = this.options;
      const context = webhookSecretContext(row.id);
      const signing: SigningSecret[] = [{ secret: cipher.decrypt(row.secretCiphertext, context) }];
      // An expired previous secret is not decrypted at all: its data key may be gone.
      if (row.previousSecretCiphertext && row.dtsPreviousSecretExpiry && row.dtsPreviousSecretExpiry > this.options.now()) {
        signing.push({ secret: cipher.decrypt(row.previousSecretCiphertext, context), until: row.dtsPreviousSecretExpiry });
      }
      this.signerFor = { secrets, signer: new WebhookSigner(signing) };
    }
    return this.signerFor.signer;
  }

  /**
   * Takes an attempt (or, with none, a cursor moved past unsubscribed events) into the endpoint's state.
   * Deferred, it is written with the next batch; otherwise it is written now, with whatever waits before it.
   * Answers whether the lease still holds (for a deferred one: as far as is known).
   */
  async record(change: EndpointStateChange, attempt: Attempt | undefined, defer: boolean): Promise<boolean> {
    Object.assign(this.change, change);
    this.current = { ...this.current, ...change };
    if (attempt) this.waiting.push(attempt);
    if (!defer || this.waiting.length >= this.options.recordBatchMax) return this.write('flush');
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.write('flush').catch((err: unknown) => this.options.logger.warn({ err }, 'could not record webhook attempts'));
    }, this.options.recordDelayMs);
    return !this.lost;
  }

  /** Writes what waits and gives the lease up. */
  async release(): Promise<void> {
    if (await this.write('release')) return;
    // Lost, or deactivated meanwhile: nothing was written, but a deactivated endpoint's lease is still ours.
    await releaseWebhookLease(this.options.db, this.current.id, this.options.owner);
  }

  /** Runs after any write under way: writes what waits, extending the lease (or releasing it); whether it held. */
  private write(mode: 'flush' | 'renew' | 'release'): Promise<boolean> {
    const written = this.writing.then(() => this.writeNow(mode));
    this.writing = written.catch(() => undefined);
    return written;
  }

  private async writeNow(mode: 'flush' | 'renew' | 'release'): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lost) return false;
    const attempts = this.waiting;
    const change = this.change;
    const nothing = attempts.length === 0 && Object.keys(change).length === 0;
    const { db, owner, leaseMs, logger } = this.options;
    const now = this.options.now();
    // A write queued behind this one may have extended the lease already.
    if (nothing && (mode === 'flush' || (mode === 'renew' && this.expiry - now.getTime() >= leaseMs / 2))) return true;
    this.waiting = [];
    this.change = {};
    const expiry = mode === 'release' ? null : new Date(now.getTime() + leaseMs);
    const disabledEvent = attempts.find((a) => a.disabledEvent)?.disabledEvent;
    let row: WebhookEndpointRow | undefined;
    try {
      row =
        nothing && expiry
          ? await renewWebhookLease(db, this.current.id, { owner, now, leaseMs })
          : await recordWebhookAttempts(
              db,
              {
                endpointId: this.current.id,
                owner,
                deliveries: attempts.map((a) => a.delivery),
                change,
                replayIds: attempts.flatMap((a) => (a.replayId === undefined ? [] : [a.replayId])),
                ...(disabledEvent ? { disabledEvent } : {}),
                lease: expiry,
              },
              now,
            );
    } catch (err) {
      this.lost = true;
      logger.warn({ err: err instanceof Error ? err.message : String(err), notRecorded: attempts.length }, 'could not record webhook attempts; they will be sent again');
      return false;
    }
    if (!row) {
      this.lost = true;
      if (attempts.length > 0) logger.info({ notRecorded: attempts.map((a) => a.log.fields) }, 'webhook lease lost or endpoint deactivated during an attempt; its outcome was not recorded');
      return false;
    }
    if (expiry) this.expiry = expiry.getTime();
    // What was decided while this write was under way is not in the row yet.
    this.current = { ...row, ...this.change };
    for (const { log } of attempts) logger[log.level](log.fields, log.msg);
    return true;
  }
}
