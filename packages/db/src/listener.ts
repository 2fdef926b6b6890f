// A connection of its own that LISTENs on one channel: what a process uses to hear, at commit,
// that rows it keeps in memory changed (migration 0020's `hops_user_changed`).
import pg from 'pg';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /** Each notification's payload, in the order PostgreSQL sent them. */
  onNotification(payload: string): void;
  /**
   * The connection is gone (server restart, network, a terminated backend): notifications sent
   * from now on are not heard. Called once; not called after close().
   */
  onLost(error: Error): void;
}

export interface Listener {
  close(): Promise<void>;
}

/** Resolves once LISTEN has run (notifications committed from then on arrive); throws if not. */
export async function openListener(options: ListenerOptions): Promise<Listener> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) {
    throw new Error(`Not a channel name: ${options.channel}`);
  }
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'hops-listener',
    // A connection cut without a word (a network partition) is noticed, not waited on forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  let closing = false;
  let lost = false;
  const lose = (error: Error) => {
    if (closing || lost) return;
    lost = true;
    options.onLost(error);
    void client.end().catch(() => undefined);
  };
  client.on('notification', (message) => {
    if (message.channel === options.channel) options.onNotification(message.payload ?? '');
  });
  client.on('error', lose);
  client.on('end', () => lose(new Error('the listening connection ended')));
  try {
    await client.connect();
    await client.query(`LISTEN ${options.channel}`);
  } catch (error) {
    closing = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async close() {
      closing = true;
      await client.end();
    },
  };
}
