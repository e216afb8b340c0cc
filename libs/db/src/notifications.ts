import pg from 'pg';

export interface NotificationListenerOptions {
  connectionString: string;
  channel: string;
  applicationName?: string;
  /** Called on every notification, and after each (re)connection, since notifications sent while disconnected are lost. */
  onNotify: () => void;
  /** Told when the connection fails; the listener reconnects by itself. */
  onError?: (error: Error) => void;
  /** First wait before reconnecting; doubles up to 30 s while the database stays away. */
  reconnectDelayMs?: number;
}

export interface NotificationListener {
  close(): Promise<void>;
}

/**
 * LISTENs on a channel over a dedicated connection (a pooled one would lose the LISTEN when returned) and
 * reconnects when that connection drops. Resolves once listening; rejects if the first connection fails.
 */
export async function listenForNotifications(options: NotificationListenerOptions): Promise<NotificationListener> {
  const firstDelay = options.reconnectDelayMs ?? 500;
  let delay = firstDelay;
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString, application_name: options.applicationName ?? 'amplifi-listener' });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (error) options.onError?.(error);
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!closed) schedule();
    };
    next.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotify();
    });
    next.on('error', (error) => drop(error));
    next.on('end', () => drop(closed ? undefined : new Error('the listening connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${next.escapeIdentifier(options.channel)}`);
    } catch (error) {
      dropped = true;
      void next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delay = firstDelay;
    options.onNotify();
  };

  const schedule = () => {
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: Error) => {
        options.onError?.(error);
        delay = Math.min(delay * 2, 30_000);
        if (!closed) schedule();
      });
    }, delay);
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
