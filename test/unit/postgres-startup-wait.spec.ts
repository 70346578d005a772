import * as net from 'node:net';
import { AppConfig } from '../../src/config/config.service';
import { MigrationError } from '../../src/prisma/migrator';
import { StartupWaitClock, transientReason, waitForPostgres } from '../../src/prisma/pg-startup-wait';
import { PrismaService } from '../../src/prisma/prisma.service';
import { fakePostgres } from '../support/fake-postgres';

/**
 * Seen in a container QA pass: `podman-compose up -d` (1.0 ignores `condition: service_healthy`)
 * started a replica before PostgreSQL accepted connections; it exited 1 at once ("Cannot connect …
 * connection refused") and got no traffic. Now a server that is not up yet is waited for, with
 * backoff, for DB_STARTUP_WAIT_MS; one that refuses for good still stops the start at once.
 * The clock is injected: attempts and pauses are counted, nothing is timed.
 */
describe('PostgreSQL not up yet at start-up: waited for, with backoff (DB_STARTUP_WAIT_MS)', () => {
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  /** a clock that does not sleep: each pause only moves its time on, then runs `onSleep` */
  const fakeClock = (onSleep: (n: number) => Promise<void> = async () => undefined) => {
    let t = 0;
    const sleeps: number[] = [];
    const clock: StartupWaitClock = {
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
        await onSleep(sleeps.length);
      },
    };
    return { clock, sleeps };
  };
  const masked = (url: string) => url.replace(':pw@', ':***@');
  const wait = (url: string, clock: StartupWaitClock, lines: string[], waitMs = 30_000, connectTimeoutMs = 5_000) =>
    waitForPostgres({ connectionString: url, shownAs: masked(url), connectTimeoutMs, waitMs, clock, log: (line) => lines.push(line) });
  const failure = (p: Promise<unknown>): Promise<Error> =>
    p.then(
      () => new Error('the wait succeeded'),
      (e: Error) => e,
    );

  it('connection refused for the first 3 attempts, then a server: connected at the 4th, pauses 0.5 → 1 → 2 s, one waiting line', async () => {
    const port = await closedPort();
    const url = `postgresql://sentinel:pw@127.0.0.1:${port}/sentinel`;
    let pg: Awaited<ReturnType<typeof fakePostgres>> | undefined;
    const { clock, sleeps } = fakeClock(async (n) => {
      if (n === 3) pg = await fakePostgres({ port });
    });
    const lines: string[] = [];
    try {
      expect(await wait(url, clock, lines)).toBe(4);
      expect(sleeps).toEqual([500, 1000, 2000]);
      expect(pg?.connections()).toBe(1);
      // the three refusals came within 5 s: one line for them, then the outcome
      expect(lines).toEqual([
        `waiting for PostgreSQL at postgresql://sentinel:***@127.0.0.1:${port}/sentinel: connection refused; retrying for 30 s more (DB_STARTUP_WAIT_MS)`,
        `PostgreSQL at postgresql://sentinel:***@127.0.0.1:${port}/sentinel accepted a connection after 4 attempts (3.5 s)`,
      ]);
      expect(lines.join('\n')).not.toContain(':pw@');
    } finally {
      await pg?.close();
    }
  });

  it('"the database system is starting up" (57P03) twice, then accepted: 3 attempts', async () => {
    const pg = await fakePostgres({ atLogin: true, atLoginTimes: 2, code: '57P03', message: 'the database system is starting up' });
    const { clock, sleeps } = fakeClock();
    const lines: string[] = [];
    try {
      expect(await wait(pg.url, clock, lines)).toBe(3);
      expect(pg.connections()).toBe(3);
      expect(sleeps).toEqual([500, 1000]);
      expect(lines[0]).toMatch(/^waiting for PostgreSQL at postgresql:\/\/sentinel:\*\*\*@127\.0\.0\.1:\d+\/sentinel: the database system is starting up \(57P03\); retrying for 30 s more/);
    } finally {
      await pg.close();
    }
  });

  it.each([
    ['28P01', 'password authentication failed for user "sentinel"'],
    ['3D000', 'database "sentinel" does not exist'],
    ['28000', 'no pg_hba.conf entry for host "10.0.0.5", user "sentinel", database "sentinel", no encryption'],
    ['42501', 'permission denied for database "sentinel"'],
  ])('a permanent refusal (%s) stops at once with the one-line message: one attempt, no pause', async (code, message) => {
    const pg = await fakePostgres({ atLogin: true, code, message });
    const { clock, sleeps } = fakeClock();
    const lines: string[] = [];
    try {
      const err = await failure(wait(pg.url, clock, lines));
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toBe(`Cannot connect to the PostgreSQL database ${masked(pg.url)} (DATABASE_URL): ${message}`);
      expect(pg.connections()).toBe(1);
      expect(sleeps).toEqual([]);
      expect(lines).toEqual([]);
    } finally {
      await pg.close();
    }
  });

  it('a server that never comes: gives up after DB_STARTUP_WAIT_MS with the same line and how long it tried; a waiting line at most every 5 s', async () => {
    const port = await closedPort();
    const url = `postgresql://sentinel:pw@127.0.0.1:${port}/sentinel`;
    const { clock, sleeps } = fakeClock();
    const lines: string[] = [];
    const err = await failure(wait(url, clock, lines, 10_000));
    expect(err).toBeInstanceOf(MigrationError);
    // backoff doubling, capped by what is left of the wait
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 2500]);
    expect(err.message).toBe(
      `Cannot connect to the PostgreSQL database postgresql://sentinel:***@127.0.0.1:${port}/sentinel (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port} (still failing after 6 attempts in 10.0 s, DB_STARTUP_WAIT_MS=10000)`,
    );
    // attempts at 0, 0.5, 1.5, 3.5, 7.5 s (the 6th, at 10 s, fails the start): lines at 0 and 7.5 s
    expect(lines).toEqual([expect.stringMatching(/connection refused; retrying for 10 s more/), expect.stringMatching(/connection refused; retrying for 3 s more/)]);
  });

  describe('a host name that does not resolve (ENOTFOUND): waited for only where a starting service may bring it', () => {
    /** getaddrinfo's error as Node shapes it; no DNS is asked (the lookup is the attempt, faked) */
    const notFound = (hostname: string) => async () => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
    const waitFor = (host: string, clock: StartupWaitClock, lines: string[]) =>
      waitForPostgres({ connectionString: `postgresql://sentinel:pw@${host}:5432/sentinel`, shownAs: `postgresql://sentinel:***@${host}:5432/sentinel`, connectTimeoutMs: 5_000, waitMs: 10_000, clock, log: (line) => lines.push(line), connect: notFound(host) });

    it('a dotted name (db.exmaple.org: a fixed DNS record, so a typo): stops at once, naming the host and the fix', async () => {
      const { clock, sleeps } = fakeClock();
      const lines: string[] = [];
      const err = await failure(waitFor('db.exmaple.org', clock, lines));
      expect(sleeps).toEqual([]);
      expect(lines).toEqual([]);
      expect(err.message).toBe(
        'Cannot connect to the PostgreSQL database postgresql://sentinel:***@db.exmaple.org:5432/sentinel (DATABASE_URL): getaddrinfo ENOTFOUND db.exmaple.org; the host name "db.exmaple.org" does not resolve and was not waited for (only a service\'s bare name such as "postgres", or a Kubernetes *.svc name, may appear later): check DATABASE_URL for a typo',
      );
    });

    it.each(['postgres', 'sentinel-db-1', 'postgres-0.postgres.lab.svc.cluster.local', 'pg.lab.svc'])('%s (a compose service or a Kubernetes service name): waited for, the first line at once names the host and the possible typo', async (host) => {
      const { clock, sleeps } = fakeClock();
      const lines: string[] = [];
      const err = await failure(waitFor(host, clock, lines));
      expect(sleeps).toEqual([500, 1000, 2000, 4000, 2500]);
      expect(lines[0]).toBe(
        `waiting for PostgreSQL at postgresql://sentinel:***@${host}:5432/sentinel: the host name "${host}" does not resolve (ENOTFOUND): a service not started yet, or a typo in DATABASE_URL; retrying for 10 s more (DB_STARTUP_WAIT_MS)`,
      );
      expect(err.message).toMatch(new RegExp(`ENOTFOUND ${host.replace(/\./g, '\\.')} \\(still failing after 6 attempts in 10\\.0 s, DB_STARTUP_WAIT_MS=10000\\); the host name "${host.replace(/\./g, '\\.')}" never resolved: if no service of that name was starting, check DATABASE_URL for a typo$`));
    });
  });

  it('a URL node-postgres cannot read (port 99999) stops at once: no pause', async () => {
    const { clock, sleeps } = fakeClock();
    const err = await failure(wait('postgresql://sentinel:pw@db:99999/sentinel', clock, []));
    expect(err.message).toBe('Cannot connect to the PostgreSQL database postgresql://sentinel:***@db:99999/sentinel (DATABASE_URL): Invalid URL');
    expect(sleeps).toEqual([]);
  });

  it('DB_STARTUP_WAIT_MS=0: one attempt, the message as before', async () => {
    const port = await closedPort();
    const url = `postgresql://sentinel:pw@127.0.0.1:${port}/sentinel`;
    const { clock, sleeps } = fakeClock();
    const err = await failure(wait(url, clock, [], 0));
    expect(err.message).toBe(`Cannot connect to the PostgreSQL database postgresql://sentinel:***@127.0.0.1:${port}/sentinel (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(sleeps).toEqual([]);
  });

  it('a server that accepts and never answers counts as not up yet: retried after each DB_CONNECT_TIMEOUT_MS', async () => {
    const pg = await fakePostgres({ silent: true });
    const { clock, sleeps } = fakeClock();
    const lines: string[] = [];
    try {
      const err = await failure(wait(pg.url, clock, lines, 1_000, 100));
      expect(err.message).toMatch(/\(DATABASE_URL\): .*timeout.* \(still failing after 3 attempts/i);
      expect(pg.connections()).toBe(3);
      expect(sleeps).toEqual([500, 500]);
      expect(lines[0]).toMatch(/: no answer within 100 ms \(DB_CONNECT_TIMEOUT_MS\); retrying/);
    } finally {
      await pg.close();
    }
  });

  it('which failures are waited for: not-there-yet socket errors and server states, not refusals or bad URLs', () => {
    const sock = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(transientReason(sock('ECONNREFUSED'), 5000)).toBe('connection refused');
    expect(transientReason(Object.assign(sock('ENOTFOUND', 'getaddrinfo ENOTFOUND postgres'), { hostname: 'postgres' }), 5000)).toMatch(/^the host name "postgres" does not resolve/);
    expect(transientReason(sock('EAI_AGAIN', 'getaddrinfo EAI_AGAIN postgres'), 5000)).toMatch(/EAI_AGAIN/);
    expect(transientReason(sock('57P03', 'the database system is not yet accepting connections'), 5000)).toMatch(/not yet accepting/);
    expect(transientReason(sock('53300', 'sorry, too many clients already'), 5000)).toMatch(/too many clients/);
    expect(transientReason(new Error('Connection terminated unexpectedly'), 5000)).toBe('the server closed the connection');
    for (const permanent of [sock('28P01'), sock('3D000'), sock('42501'), sock('ERR_INVALID_URL', 'Invalid URL'), new URIError('URI malformed'), new Error('self-signed certificate')]) {
      expect(transientReason(permanent, 5000)).toBeNull();
    }
  });

  describe('wired into the start (PrismaService.onModuleInit)', () => {
    const service = (url: string, env: Record<string, string> = {}) => {
      const s = new PrismaService(AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: url, ...env }));
      s.startupClock = fakeClock().clock;
      return s;
    };

    it('57P03 once, then the migrations run (here they fail at the fake, which proves the start went past the wait)', async () => {
      const pg = await fakePostgres({ atLogin: true, atLoginTimes: 1, code: '57P03', message: 'the database system is starting up' });
      const s = service(pg.url);
      try {
        const err = await failure(s.onModuleInit());
        expect(err.message).toMatch(/^Cannot migrate the PostgreSQL database /);
        // wait: refused + accepted; migrator: one
        expect(pg.connections()).toBe(3);
      } finally {
        await s.$disconnect().catch(() => undefined);
        await pg.close();
      }
    });

    it('a wrong password stops the start at once, one connection', async () => {
      const pg = await fakePostgres({ atLogin: true, code: '28P01', message: 'password authentication failed for user "sentinel"' });
      const s = service(pg.url, { DB_MIGRATE_ON_START: 'false' });
      try {
        const err = await failure(s.onModuleInit());
        expect(err.message).toBe(`Cannot connect to the PostgreSQL database ${masked(pg.url)} (DATABASE_URL): password authentication failed for user "sentinel"`);
        expect(pg.connections()).toBe(1);
      } finally {
        await s.$disconnect().catch(() => undefined);
        await pg.close();
      }
    });
  });

  it('DB_STARTUP_WAIT_MS: 30000 by default, whole milliseconds 0–600000, refused otherwise', () => {
    const cfg = (v?: string) => AppConfig.fromProcess({ NODE_ENV: 'test', DATABASE_URL: 'postgresql://u@h/db', DB_STARTUP_WAIT_MS: v });
    expect(cfg().databaseStartupWaitMs).toBe(30_000);
    expect(cfg('0').databaseStartupWaitMs).toBe(0);
    expect(cfg('120000').databaseStartupWaitMs).toBe(120_000);
    for (const bad of ['-1', 'abc', '1.5', '600001']) expect(() => cfg(bad)).toThrow(/DB_STARTUP_WAIT_MS/);
  });
});
