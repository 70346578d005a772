import { Client } from 'pg';
import { MigrationError } from './migrator';

/**
 * Start-up only: wait for a PostgreSQL that is still coming up. `podman-compose up -d` (1.0 ignores
 * `depends_on: condition: service_healthy`), docker compose without that condition, Kubernetes
 * without init ordering and systemd units all start the app beside the server, not after it: a
 * replica started first exited 1 at once ("Cannot connect … connection refused") and, by its
 * restart policy, served nothing. A failure that says "not yet" is retried with backoff for up
 * to DB_STARTUP_WAIT_MS; one that will not change by waiting (a refused password, a missing
 * database, a bad URL) still stops the start at once with the same one line.
 */
export interface StartupWaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: StartupWaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PgStartupWait {
  connectionString: string;
  /** the URL with its password masked, for every line printed */
  shownAs: string;
  connectTimeoutMs: number;
  /** DB_STARTUP_WAIT_MS: 0 tries once */
  waitMs: number;
  /** 'warn' for each waiting line, 'log' for the connection accepted after a wait */
  log: (line: string, level: 'warn' | 'log') => void;
  clock?: StartupWaitClock;
  /** one attempt: null once a connection is accepted, else its error (tests hand in lookups that fail) */
  connect?: (connectionString: string, connectTimeoutMs: number) => Promise<unknown>;
}

/** First pause, its cap, and how often a waiting line is printed at most (one per attempt otherwise). */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;
const LOG_EVERY_MS = 5_000;

/** Resolves with the number of attempts once a connection is accepted; else a MigrationError of one line. */
export async function waitForPostgres(o: PgStartupWait): Promise<number> {
  const clock = o.clock ?? realClock;
  const connect = o.connect ?? tryConnect;
  const started = clock.now();
  const deadline = started + o.waitMs;
  let delay = FIRST_DELAY_MS;
  let lastLog: { at: number; reason: string } | undefined;
  for (let attempt = 1; ; attempt++) {
    const err = await connect(o.connectionString, o.connectTimeoutMs);
    if (err === null) {
      if (attempt > 1) o.log(`PostgreSQL at ${o.shownAs} accepted a connection after ${attempt} attempts (${seconds(clock.now() - started)} s)`, 'log');
      return attempt;
    }
    const reason = transientReason(err, o.connectTimeoutMs);
    const left = deadline - clock.now();
    if (reason === null || left <= 0) {
      const waited = attempt > 1 ? ` (still failing after ${attempt} attempts in ${seconds(clock.now() - started)} s, DB_STARTUP_WAIT_MS=${o.waitMs})` : '';
      throw new MigrationError(`${connectFailureMessage(o.shownAs, err)}${waited}${unresolvedHint(err, reason !== null)}`);
    }
    const now = clock.now();
    // one line per attempt, but not more often than every few seconds unless the reason changed
    if (!lastLog || lastLog.reason !== reason || now - lastLog.at >= LOG_EVERY_MS) {
      o.log(`waiting for PostgreSQL at ${o.shownAs}: ${reason}; retrying for ${Math.ceil(left / 1000)} s more (DB_STARTUP_WAIT_MS)`, 'warn');
      lastLog = { at: now, reason };
    }
    await clock.sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** The one start-up line for a connection the server (or the network) refused; also the migrator's. */
export function connectFailureMessage(shownAs: string, err: unknown): string {
  return `Cannot connect to the PostgreSQL database ${shownAs} (DATABASE_URL): ${errorText(err)}`;
}

/** An error's own words; not instanceof Error: socket errors may come from another realm (jest). */
export function errorText(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : String(err);
}

async function tryConnect(connectionString: string, connectTimeoutMs: number): Promise<unknown> {
  let db: Client | undefined;
  try {
    // inside the try: a URL node-postgres cannot parse throws here, and is permanent
    db = new Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
    db.on('error', () => undefined);
    await db.connect();
    return null;
  } catch (err) {
    return err ?? new Error('connection failed');
  } finally {
    await db?.end().catch(() => undefined);
  }
}

/** Socket errors that mean "nothing there yet" (the server's container, socket or DNS name not up). */
const TRANSIENT_SOCKET: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EAI_AGAIN: 'host name lookup failed for now (EAI_AGAIN)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
  ENOENT: 'no server socket yet',
};

/**
 * SQLSTATEs at login that a server coming up (or the image's init run stopping its temporary
 * server) answers: 57P03 starting up / shutting down / in recovery, 57P01–57P02 shut down,
 * 53300 too many connections, class 08 connection exceptions. 28P01, 28000, 3D000, 42501 … are not
 * here: waiting does not change them.
 */
function transientSqlState(code: string): boolean {
  return code === '57P03' || code === '57P01' || code === '57P02' || code === '53300' || code.startsWith('08');
}

/** Why the attempt failed in a few words, or null when waiting cannot help. */
export function transientReason(err: unknown, connectTimeoutMs: number): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  const text = errorText(err);
  const host = unresolvedHost(err);
  if (host !== null) {
    if (!host) return 'host not found (ENOTFOUND)';
    return mayAppearLater(host) ? `the host name "${host}" does not resolve (ENOTFOUND): a service not started yet, or a typo in DATABASE_URL` : null;
  }
  if (typeof code === 'string') {
    if (TRANSIENT_SOCKET[code]) return TRANSIENT_SOCKET[code];
    if (/^[0-9A-Z]{5}$/.test(code)) return transientSqlState(code) ? `${text} (${code})` : null;
  }
  if (/timeout/i.test(text)) return `no answer within ${connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS)`;
  // the server closed the socket before answering the login (a server stopping after its init run)
  if (/Connection terminated unexpectedly/.test(text)) return 'the server closed the connection';
  return null;
}

/**
 * A name that does not resolve yet may be one that appears when its server starts: compose's
 * service names are single labels (`postgres`, `db`), resolvable only once that container runs;
 * Kubernetes' `name.namespace.svc[.cluster.local]` of a headless service exists only once its pod
 * is ready. Any other dotted name (`db.example.org`, a cloud endpoint) is a fixed DNS record: not
 * resolving is a typo (or the wrong network), and waiting DB_STARTUP_WAIT_MS only hid it.
 */
export function mayAppearLater(host: string): boolean {
  return !host.includes('.') || /\.svc(\.|$)/i.test(host);
}

/** The name a failed lookup was for (getaddrinfo ENOTFOUND); '' when the error does not say; null for other errors. */
function unresolvedHost(err: unknown): string | null {
  const e = err as { code?: unknown; hostname?: unknown } | null;
  if (e?.code !== 'ENOTFOUND') return null;
  return typeof e.hostname === 'string' ? e.hostname : '';
}

/** What the start-up failure adds for a name that did not resolve: why it was (not) waited for. */
function unresolvedHint(err: unknown, waited: boolean): string {
  const host = unresolvedHost(err);
  if (!host) return '';
  return waited
    ? `; the host name "${host}" never resolved: if no service of that name was starting, check DATABASE_URL for a typo`
    : `; the host name "${host}" does not resolve and was not waited for (only a service's bare name such as "postgres", or a Kubernetes *.svc name, may appear later): check DATABASE_URL for a typo`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
