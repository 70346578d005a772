import { Pool, PoolClient } from 'pg';

/**
 * The request-time PostgreSQL pool, with a bound on how long a query may take. Without one, a
 * request whose query was already on an open connection when the server froze (SIGSTOP, a VM
 * paused, packets dropped) waited for ever: DB_CONNECT_TIMEOUT_MS bounds only getting a
 * connection. Two bounds, DB_QUERY_TIMEOUT_MS each:
 *
 * - server-side, `statement_timeout`: a live server cancels a statement that runs (or waits for a
 *   lock) too long with SQLSTATE 57014; the connection stays usable.
 * - client-side, here: a connection held by one query or transaction for DB_QUERY_TIMEOUT_MS +
 *   CLIENT_GRACE_MS (a server that cannot even cancel: frozen, or unreachable) is closed under it.
 *   Its queries fail with QUERY_READ_TIMEOUT and the pool drops it (a closed client is not
 *   queryable). node-postgres's own `query_timeout` is not used: it answers the caller but leaves
 *   the query on the connection, which a transaction's release hands out again — still inside
 *   that transaction once the server resumes, so the next caller's autocommit writes were never
 *   committed.
 *
 * Start-up work does not go through this pool: the migrations (pg-migrator.ts) and
 * scripts/sqlite-to-postgres.mjs use their own connections, with no bound.
 */

/** After statement_timeout: the server's own cancel (57014) comes first whenever it can answer. */
export const CLIENT_GRACE_MS = 1_000;

/** node-postgres's words for its own query_timeout, so a `query_timeout` in DATABASE_URL reads the same. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

export interface BoundedPoolOptions {
  connectionString: string;
  /** DB_CONNECT_TIMEOUT_MS */
  connectTimeoutMs: number;
  /** DB_QUERY_TIMEOUT_MS */
  queryTimeoutMs: number;
}

export function boundedPool(o: BoundedPoolOptions): Pool {
  // a statement_timeout in DATABASE_URL wins over this one (node-postgres reads the URL last)
  const pool = new Pool({ connectionString: o.connectionString, connectionTimeoutMillis: o.connectTimeoutMs, statement_timeout: o.queryTimeoutMs });
  const held = new WeakMap<PoolClient, NodeJS.Timeout>();
  const free = (client: PoolClient) => {
    clearTimeout(held.get(client));
    held.delete(client);
  };
  pool.on('acquire', (client) => {
    const timer = setTimeout(() => {
      held.delete(client);
      // the active query and any queued behind it fail with this error; the client is no longer queryable
      client.connection.stream.destroy(new Error(QUERY_READ_TIMEOUT));
    }, o.queryTimeoutMs + CLIENT_GRACE_MS);
    timer.unref();
    held.set(client, timer);
  });
  pool.on('release', (_err, client) => free(client));
  pool.on('remove', (client) => free(client));
  return pool;
}
