import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyMigrations } from '../../src/prisma/migrator';
import { MIGRATIONS_DIR } from '../../src/prisma/prisma.service';
import { REPO_ROOT, tempDir } from '../support/app';

/**
 * Migrations are hand-written (no Prisma engine offline), so check that applying all of them to a
 * fresh database gives exactly the tables, columns, SQLite types and nullability that
 * prisma/schema.prisma declares — a drift would only show at run time otherwise.
 */
const SQLITE_TYPE: Record<string, string> = { String: 'TEXT', Int: 'INTEGER', Float: 'REAL', Boolean: 'BOOLEAN', DateTime: 'DATETIME' };

function schemaModels(): Map<string, Map<string, { type: string; nullable: boolean }>> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'prisma', 'schema.prisma'), 'utf8');
  const models = new Map<string, Map<string, { type: string; nullable: boolean }>>();
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, { type: string; nullable: boolean }>();
    for (const line of m[2].split('\n')) {
      const f = /^\s*(\w+)\s+(\w+)(\?|\[\])?/.exec(line);
      if (!f || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, name, type, mod] = f;
      if (!SQLITE_TYPE[type] || mod === '[]') continue; // relation fields
      fields.set(name, { type: SQLITE_TYPE[type], nullable: mod === '?' });
    }
    models.set(m[1], fields);
  }
  return models;
}

/** model → Prisma's default names of its @@index / @@unique declarations → their columns */
function schemaIndexes(): Map<string, Map<string, string[]>> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'prisma', 'schema.prisma'), 'utf8');
  const out = new Map<string, Map<string, string[]>>();
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const idx = new Map<string, string[]>();
    for (const d of m[2].matchAll(/^\s*@@(index|unique)\(\[([^\]]*)\]/gm)) {
      const cols = d[2].split(',').map((c) => c.trim());
      idx.set(`${m[1]}_${cols.join('_')}_${d[1] === 'unique' ? 'key' : 'idx'}`, cols);
    }
    out.set(m[1], idx);
  }
  return out;
}

describe('prisma/schema.prisma and prisma/migrations agree', () => {
  it('the same multi-column indexes, by name and columns (the history queries rely on them: history-query-plans.spec)', () => {
    const file = path.join(tempDir(), 'sync-idx.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const db = new Database(file, { readonly: true });
    try {
      for (const [model, declared] of schemaIndexes()) {
        const made = (db.prepare(`PRAGMA index_list("${model}")`).all() as { name: string; origin: string }[])
          .filter((i) => i.origin === 'c' && !/_key$/.test(i.name)) // @unique fields are made as *_key too
          .map((i) => [i.name, (db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name)]);
        expect({ model, indexes: Object.fromEntries(made) }).toEqual({ model, indexes: Object.fromEntries([...declared].filter(([n]) => n.endsWith('_idx'))) });
      }
    } finally {
      db.close();
    }
  });


  it('same tables, columns, types and nullability', () => {
    const file = path.join(tempDir(), 'sync.db');
    applyMigrations(file, MIGRATIONS_DIR);
    const db = new Database(file, { readonly: true });
    try {
      const models = schemaModels();
      expect(models.size).toBeGreaterThanOrEqual(3);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
      expect(tables.sort()).toEqual([...models.keys()].sort());
      for (const [model, fields] of models) {
        const cols = db.prepare(`PRAGMA table_info("${model}")`).all() as { name: string; type: string; notnull: number; pk: number }[];
        const actual = Object.fromEntries(cols.map((c) => [c.name, { type: c.type.toUpperCase(), nullable: c.notnull === 0 && c.pk === 0 }]));
        expect({ model, columns: actual }).toEqual({ model, columns: Object.fromEntries(fields) });
      }
    } finally {
      db.close();
    }
  });
});
