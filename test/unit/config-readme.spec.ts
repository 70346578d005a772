import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { envSchema, parseEnv } from '../../src/config/config.schema';
import { DEFAULT_ADMIN_EMAIL } from '../../src/accounts/seed-admin.service';

/**
 * The README's settings tables (every `| variable | default | … |` table) against the schema the
 * process is started with: the same variables, the same defaults, and the bounds a value is refused
 * outside of. The hand-written defaults test in config.spec.ts could not notice a variable the README
 * never named (NODE_ENV, SEED_ADMIN_PRINT were accepted and undocumented) or a range it left out.
 */
interface Row {
  names: string[];
  defaults: string[];
  text: string;
}

function settingsRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (/^\| variable \| default \|/.test(line)) {
      inTable = true;
      continue;
    }
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable || line.startsWith('|---')) continue;
    const cells = line.split(' | ');
    const names = [...cells[0].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    const parts = cells[1].split(' / ');
    rows.push({ names, defaults: names.map((_, i) => (parts.length === names.length ? parts[i] : cells[1]).trim()), text: line });
  }
  return rows;
}

/** The inner schema under .default()/.optional() (and a string's digits check), where a number's bounds and an enum's options live. */
function core(schema: z.ZodType): z.ZodType {
  let t = schema;
  for (let i = 0; i < 5; i++) {
    if (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
    // a number from the environment: its digits checked on the string, then its bounds (config/env-numbers.ts)
    else if (t instanceof z.ZodPipe && t.in instanceof z.ZodString && !(t.out instanceof z.ZodPipe)) t = t.out as z.ZodType;
    else break;
  }
  return t;
}

/** Defaults the app applies itself, where the schema leaves the variable unset. */
const APP_DEFAULTS: Record<string, string> = { SEED_ADMIN_EMAIL: DEFAULT_ADMIN_EMAIL };

const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const rows = settingsRows(readme);
const documented = new Map(rows.flatMap((r) => r.names.map((n, i) => [n, { row: r, def: r.defaults[i] }] as const)));
const shape = envSchema.shape as Record<string, z.ZodType>;

describe('README settings tables ↔ config schema', () => {
  it('name every variable the schema accepts, and none it does not', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect([...documented.keys()].sort()).toEqual(Object.keys(shape).sort());
  });

  it('give each variable the default it has', () => {
    const env = parseEnv({}) as Record<string, unknown>;
    for (const [name, { def }] of documented) {
      const quoted = /^`([^`]+)`/.exec(def);
      // "unset", "random per process", "from each card": the schema leaves it undefined
      const claimed = quoted ? quoted[1] : undefined;
      const actual = env[name] === undefined ? APP_DEFAULTS[name] : String(env[name]);
      expect([name, claimed]).toEqual([name, actual]);
    }
  });

  it('state the bounds of every bounded number, and every value of an enumerated one', () => {
    const missing: string[] = [];
    for (const [name, { row }] of documented) {
      const t = core(shape[name]);
      const text = row.text.replace(/(\d),(\d{3})/g, '$1$2');
      if (t instanceof z.ZodNumber && t.maxValue !== null && t.maxValue < Number.MAX_SAFE_INTEGER) {
        const min = String(t.minValue ?? 0);
        const range = new RegExp(`(^|[^\\d.])${min.replace('.', '\\.')}\\s*–\\s*${t.maxValue}(?!\\d)`);
        if (!range.test(text)) missing.push(`${name}: ${min} – ${t.maxValue}`);
      }
      if (t instanceof z.ZodEnum) {
        for (const option of t.options) if (!text.includes(`\`${String(option)}\``)) missing.push(`${name}: \`${String(option)}\``);
      }
    }
    expect(missing).toEqual([]);
  });
});
