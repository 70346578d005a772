import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyMigrations, MigrationError, readMigrations, sqliteFailure } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR, PG_MIGRATIONS_DIR } from '../../src/prisma/database';
import { toItem } from '../../src/repositories/analysis.repository';
import { recordReason } from '../../src/presentation/record-reason';
import { tempDir } from '../support/app';

interface Row {
  id: string;
  checksum: string;
  finished_at: number | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: number | null;
  started_at: number;
  applied_steps_count: number;
}

describe('migration runner', () => {
  it('applies the committed migrations to a fresh database and records them like Prisma', () => {
    const file = path.join(tempDir(), 'fresh.db');
    const result = applyMigrations(file, MIGRATIONS_DIR);
    expect(result.applied.length).toBeGreaterThan(0);

    const db = new Database(file, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    expect(tables).toEqual(expect.arrayContaining(['_prisma_migrations', 'User', 'Analysis']));

    const rows = db.prepare('SELECT * FROM _prisma_migrations ORDER BY migration_name').all() as Row[];
    const files = readMigrations(MIGRATIONS_DIR);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, r] of rows.entries()) {
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, r.migration_name, 'migration.sql'));
      expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof r.finished_at).toBe('number');
      expect(typeof r.started_at).toBe('number');
      expect(r.applied_steps_count).toBe(1);
      expect(r.logs).toBeNull();
      expect(r.rolled_back_at).toBeNull();
      expect(files[i].checksum).toBe(r.checksum);
    }

    // The Analysis table holds metadata only: no column could carry image bytes or a file name.
    const cols = (db.prepare('PRAGMA table_info("Analysis")').all() as { name: string; type: string }[]).map(
      (c) => c.name,
    );
    expect(cols).not.toEqual(expect.arrayContaining(['fileName']));
    expect((db.prepare('PRAGMA table_info("Analysis")').all() as { type: string }[]).map((c) => c.type)).not.toContain(
      'BLOB',
    );
    db.close();
  });

  /**
   * A database migrated up to (not including) `name`, rows written by `seed`, then upgraded with
   * every committed migration: applies `name` and the later ones, records `name` like Prisma, and
   * the PostgreSQL set has its twin (applied by the cluster suite against a real server).
   */
  function upgradeThrough(name: string, seed: (db: Database.Database) => void): Database.Database {
    const dir = tempDir();
    const older = path.join(dir, 'older');
    for (const m of readMigrations(MIGRATIONS_DIR).filter((f) => f.name < name)) {
      fs.mkdirSync(path.join(older, m.name), { recursive: true });
      fs.writeFileSync(path.join(older, m.name, 'migration.sql'), m.sql);
    }
    const file = path.join(dir, 'upgrade.db');
    applyMigrations(file, older);
    const before = new Database(file);
    seed(before);
    before.close();

    const result = applyMigrations(file, MIGRATIONS_DIR);
    expect(result.applied).toEqual(readMigrations(MIGRATIONS_DIR).filter((f) => f.name >= name).map((f) => f.name));
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT * FROM _prisma_migrations WHERE migration_name = ?').get(name) as Row;
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'));
    expect(row).toMatchObject({ checksum: createHash('sha256').update(sql).digest('hex'), logs: null, rolled_back_at: null, applied_steps_count: 1 });
    expect(typeof row.finished_at).toBe('number');
    // the PostgreSQL twin exists and does the same kind of change (its first statement's comment)
    const firstComment = (f: string) => /^-- \w+/.exec(fs.readFileSync(f, 'utf8'))?.[0];
    expect(firstComment(path.join(PG_MIGRATIONS_DIR, name, 'migration.sql'))).toBe(firstComment(path.join(MIGRATIONS_DIR, name, 'migration.sql')));
    return db;
  }

  it('upgrades a database made before "must change password": existing users get false, recorded like Prisma', () => {
    const db = upgradeThrough('20261205150000_must_change_password', (d) => {
      d.prepare(`INSERT INTO "User" (id, email, passwordHash) VALUES ('u1', 'old@example.test', 'scrypt$x')`).run();
    });
    try {
      expect(db.prepare('SELECT "mustChangePassword" AS m FROM "User" WHERE id = ?').get('u1')).toEqual({ m: 0 });
    } finally {
      db.close();
    }
  });

  it('upgrades a database made before thresholds were recorded: its analyses read "not recorded" (null), never today\'s', () => {
    const db = upgradeThrough('20261205180000_analysis_thresholds', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, modelVersionsJson) VALUES ('a1', 1, 'f', 'completed', '{"triage":"1.0.0"}')`).run();
    });
    try {
      const row = db.prepare('SELECT * FROM "Analysis" WHERE id = ?').get('a1') as Parameters<typeof toItem>[0];
      expect(row.thresholdsJson).toBeNull();
      expect(toItem({ ...row, createdAt: new Date(0) }).thresholds).toBeNull();
    } finally {
      db.close();
    }
  });

  it('upgrades a history made before the list-order indexes: same rows, the old indexes replaced by the new', () => {
    const db = upgradeThrough('20261206120000_history_indexes', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, createdAt) VALUES ('a1', 1, 'f', 'completed', '2026-01-01T00:00:00.000+00:00')`).run();
    });
    try {
      expect(db.prepare('SELECT id FROM "Analysis"').all()).toEqual([{ id: 'a1' }]);
      const names = (db.prepare(`PRAGMA index_list("Analysis")`).all() as { name: string; origin: string }[]).filter((i) => i.origin === 'c').map((i) => i.name);
      expect(names.sort()).toEqual([
        'Analysis_code_status_anatomy_label_idx',
        'Analysis_createdAt_id_idx',
        'Analysis_label_createdAt_id_status_anatomy_code_idx',
        'Analysis_userId_createdAt_id_idx',
        'Analysis_userId_sha256_createdAt_id_idx',
      ]);
    } finally {
      db.close();
    }
  });

  it('upgrades a history made before slice gaps were recorded: same rows, its studies read "not recorded" (null), never "none missing"', () => {
    const db = upgradeThrough('20261207120000_slice_gaps_label_index', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, label, kind, sliceCount, thresholdsJson) VALUES ('s1', 1, 'f', 'completed', 'glioma', 'study', 8, '{}')`).run();
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, label) VALUES ('i1', 1, 'e', 'completed', 'glioma')`).run();
    });
    try {
      const rows = db.prepare('SELECT * FROM "Analysis" ORDER BY id').all() as Parameters<typeof toItem>[0][];
      expect(rows.map((r) => [r.id, r.label, r.sliceGapsJson])).toEqual([['i1', 'glioma', null], ['s1', 'glioma', null]]);
      const study = toItem({ ...rows[1], createdAt: new Date(0) }).study;
      expect(study).toMatchObject({ sliceCount: 8, gaps: null });
      const label = db.prepare(`PRAGMA index_info("Analysis_label_createdAt_id_status_anatomy_code_idx")`).all() as { name: string }[];
      expect(label.map((c) => c.name)).toEqual(['label', 'createdAt', 'id', 'status', 'anatomy', 'code']);
    } finally {
      db.close();
    }
  });

  it('upgrades a history made before the window was recorded: its studies read "not recorded" (null), never "header"', () => {
    const db = upgradeThrough('20261210120000_study_windowing', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, kind, sliceCount, thresholdsJson) VALUES ('s1', 1, 'f', 'completed', 'study', 8, '{}')`).run();
    });
    try {
      const row = db.prepare('SELECT * FROM "Analysis" WHERE id = ?').get('s1') as Parameters<typeof toItem>[0];
      expect(row.windowingJson).toBeNull();
      expect(toItem({ ...row, createdAt: new Date(0) }).study).toMatchObject({ sliceCount: 8, windowing: null, headerWindowIgnored: null });
    } finally {
      db.close();
    }
  });

  it('upgrades a history made before the refusal cause was recorded: its refusals read "not recorded" (null), their reason rebuilt as before', () => {
    const db = upgradeThrough('20261211120000_refusal_cause', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, stage, code, isMri, mriConfidence, thresholdsJson) VALUES ('i1', 1, 'e', 'rejected', 'modality', 'NOT_MRI', 0, 0.0004, '{"triage":0.6}')`).run();
    });
    try {
      const row = db.prepare('SELECT * FROM "Analysis" WHERE id = ?').get('i1') as Parameters<typeof toItem>[0];
      expect([row.refusalCause, row.refusalFiguresJson]).toEqual([null, null]);
      const item = toItem({ ...row, createdAt: new Date(0) });
      expect(item.refusal).toBeNull();
      expect(recordReason(item)).toBe('The triage model says this is not an MRI image (> 99.9 %).');
    } finally {
      db.close();
    }
  });

  it('upgrades a history made before uneven spacing and copies were recorded: its studies read "not known" (null), and nothing is said', () => {
    const db = upgradeThrough('20261212120000_study_uneven_copies', (d) => {
      d.prepare(`INSERT INTO "Analysis" (id, byteSize, sha256, status, kind, sliceCount, thresholdsJson) VALUES ('s1', 1, 'f', 'completed', 'study', 8, '{}')`).run();
    });
    try {
      const row = db.prepare('SELECT * FROM "Analysis" WHERE id = ?').get('s1') as Parameters<typeof toItem>[0];
      expect(row.unevenStepsJson).toBeNull();
      expect(row.copiesDropped).toBeNull();
      expect(toItem({ ...row, createdAt: new Date(0) }).study).toMatchObject({ sliceCount: 8, unevenSteps: null, copiesDropped: null });
    } finally {
      db.close();
    }
  });

  it('is idempotent', () => {
    const file = path.join(tempDir(), 'twice.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const again = applyMigrations(file, MIGRATIONS_DIR);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBeGreaterThan(0);
  });

  it('records a failed migration with finished_at NULL and refuses to continue', () => {
    const dir = tempDir();
    const migrations = path.join(dir, 'migrations');
    fs.mkdirSync(path.join(migrations, '20000101000000_ok'), { recursive: true });
    fs.writeFileSync(path.join(migrations, '20000101000000_ok', 'migration.sql'), 'CREATE TABLE "A" ("id" INTEGER);');
    fs.mkdirSync(path.join(migrations, '20000102000000_bad'));
    fs.writeFileSync(path.join(migrations, '20000102000000_bad', 'migration.sql'), 'CREATE TABLE "B" (; nonsense');
    const file = path.join(dir, 'bad.db');

    expect(() => applyMigrations(file, migrations)).toThrow(MigrationError);
    const db = new Database(file, { readonly: true });
    const bad = db.prepare("SELECT * FROM _prisma_migrations WHERE migration_name = '20000102000000_bad'").get() as Row;
    expect(bad.finished_at).toBeNull();
    expect(bad.logs).toBeTruthy();
    db.close();
    expect(() => applyMigrations(file, migrations)).toThrow(/failed earlier/);
  });

  it('refuses a migration edited after it was applied', () => {
    const dir = tempDir();
    const migrations = path.join(dir, 'migrations');
    fs.mkdirSync(path.join(migrations, '20000101000000_ok'), { recursive: true });
    const sqlFile = path.join(migrations, '20000101000000_ok', 'migration.sql');
    fs.writeFileSync(sqlFile, 'CREATE TABLE "A" ("id" INTEGER);');
    const file = path.join(dir, 'edit.db');
    applyMigrations(file, migrations);
    fs.writeFileSync(sqlFile, 'CREATE TABLE "A" ("id" INTEGER, "x" TEXT);');
    expect(() => applyMigrations(file, migrations)).toThrow(/checksum/);
  });

  // A deployment applied the files as one checkout wrote them; the next release is built from a
  // checkout with the other line endings (git core.autocrlf on Windows, or the reverse). Prisma's
  // engine accepts either ending since 2.29 (prisma-engines #2101); this runner refused to start:
  // "was modified after it was applied (checksum mismatch)".
  it.each([['LF', 'CRLF'], ['CRLF', 'LF']] as const)('a migration applied from a %s checkout is the same migration in a %s checkout', (from, to) => {
    const dir = tempDir();
    const copy = (eol: string) => {
      const out = path.join(dir, eol);
      for (const m of readMigrations(MIGRATIONS_DIR)) {
        fs.mkdirSync(path.join(out, m.name), { recursive: true });
        fs.writeFileSync(path.join(out, m.name, 'migration.sql'), m.sql.replace(/\r\n/g, '\n').replace(/\n/g, eol === 'CRLF' ? '\r\n' : '\n'));
      }
      return out;
    };
    const file = path.join(dir, 'eol.db');
    const first = applyMigrations(file, copy(from));
    const again = applyMigrations(file, copy(to));
    expect(again).toEqual({ applied: [], alreadyApplied: first.applied });
    // an edit is still an edit, whatever the line endings
    const edited = path.join(copy(to), first.applied[0], 'migration.sql');
    fs.appendFileSync(edited, '-- edited\n');
    expect(() => applyMigrations(file, path.dirname(path.dirname(edited)))).toThrow(/checksum/);
  });

  // it was better-sqlite3's stack trace at start-up ("SqliteError: file is not a database at applyMigrations …")
  it('a file that is not a database, or a damaged one: a MigrationError naming the file, the SQLite code and what to do', () => {
    const dir = tempDir();
    const garbage = path.join(dir, 'garbage.db');
    fs.writeFileSync(garbage, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256)));
    expect(() => applyMigrations(garbage, MIGRATIONS_DIR)).toThrow(
      new MigrationError(`The database ${garbage} is not an SQLite database (or is encrypted, or its header is damaged): point DATABASE_URL to the right file, or restore it from a backup (SQLITE_NOTADB: file is not a database).`),
    );
    // a migrated file cut short: the header promises pages that are gone
    const cut = path.join(dir, 'cut.db');
    applyMigrations(cut, MIGRATIONS_DIR);
    const size = fs.statSync(cut).size;
    fs.truncateSync(cut, Math.floor(size / 4096 / 2) * 4096);
    let err: unknown;
    try {
      applyMigrations(cut, MIGRATIONS_DIR);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(new RegExp(`^The database ${cut} is damaged: restore it from a backup .*\\(SQLITE_CORRUPT`));
  });

  // seen with an existing database in a folder made read-only (chattr +i): 'could not be migrated (SQLITE_CANTOPEN …)', no way out named
  it('SQLITE_CANTOPEN on a file that exists names the folder as what must be writable', () => {
    const err = Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
    expect(sqliteFailure('/srv/sentinel/data/sentinel.db', err).message).toBe(
      'The database /srv/sentinel/data/sentinel.db cannot be opened with its -wal and -shm files beside it: the folder must be writable by this user (SQLITE_CANTOPEN: unable to open database file).',
    );
  });
});
