import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../src/common/errors';

/**
 * Written claims that a reader acts on, held to the tree: every error code a client can receive is
 * named in the README, every `npm run X` the docs give is a script of package.json, and every
 * repository path they quote exists. README "API" listed every code but UNAUTHORIZED, the 401 of
 * every API route.
 */
const ROOT = path.join(__dirname, '../..');
const DOCS = ['README.md', 'docs/model-contract.md', 'docs/performance.md', 'docs/ui.md', 'ml/README.md'];
const text = DOCS.map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** `a/{b,c}.ts` → a/b.ts, a/c.ts (the README's shorthand for sibling files). */
function expand(p: string): string[] {
  const m = /^(.*?)\{([^{}]+)\}(.*)$/.exec(p);
  return m ? m[2].split(',').flatMap((part) => expand(`${m[1]}${part}${m[3]}`)) : [p];
}

/** Whether `p` (relative to the repository; `*` within one path segment) names something there. */
function exists(p: string, dir = ROOT): boolean {
  const [head, ...rest] = p.split('/').filter(Boolean);
  if (head === undefined) return true;
  if (!head.includes('*')) return existsSync(path.join(dir, head)) && exists(rest.join('/'), path.join(dir, head));
  const re = new RegExp(`^${head.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return names.some((n) => re.test(n) && exists(rest.join('/'), path.join(dir, n)));
}

/** Folders that exist only where they are made: git-ignored outputs, ml/'s virtual environment. */
const MADE_LOCALLY = /^(ml\/\.venv|ml\/\.cache|ml\/runs|artifacts|data)(\/|$)/;

describe('README and docs claims ↔ the tree', () => {
  it('name every error code a client can receive', () => {
    expect(ERROR_CODES.filter((code) => !new RegExp(`(^|[^A-Z_])${code}([^A-Z_]|$)`).test(readme))).toEqual([]);
  });

  it('give only npm scripts that package.json has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = [...new Set([...text.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1]))];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  // The Body Part Examined sentence kept triage 4.2's figures (70 %, 17 %, 2.7 %, 8 %) after 4.4 shipped.
  it("quote the shipped triage card's held-out (LOSO) figures", () => {
    const card = JSON.parse(readFileSync(path.join(ROOT, 'models/triage/model_card.json'), 'utf8')) as {
      metrics: { loso: { rows: { source: string; accepted_as_supported: number }[] } };
    };
    const taken = (source: string): string => {
      const row = card.metrics.loso.rows.find((r) => r.source === source);
      if (!row) throw new Error(`no LOSO row for ${source}`);
      const pct = row.accepted_as_supported * 100;
      return pct >= 10 ? pct.toFixed(0) : pct.toFixed(1);
    };
    const flat = readme.replace(/\s+/g, ' ');
    expect(flat).toContain(`often taken for a supported part (${taken('mri_breast_breastdm')} / ${taken('mri_nasopharynx_t2')} % held out)`);
    expect(flat).toContain(
      `the image model takes ${taken('mri_breast_breastdm')} % of breast, ${taken('mri_heart_hvsmr2')} % and ${taken('mri_heart_acdc')} % of the two heart and ${taken('mri_abdomen_chaos')} % of the abdomen collections' MRIs`,
    );
  });

  // The architecture tree left out src/presentation; ml/README's module table seven of its modules.
  it('list every src/ folder in the architecture tree and every ml/ module in its table', () => {
    const tree = /## Architecture\n+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !['generated', 'types'].includes(d.name))
      .map((d) => d.name);
    expect(folders.filter((f) => !new RegExp(`^  ${f}/`, 'm').test(tree))).toEqual([]);
    const mlReadme = readFileSync(path.join(ROOT, 'ml/README.md'), 'utf8');
    const modules = readdirSync(path.join(ROOT, 'ml/src/mri_sentinel_ml')).filter((f) => f.endsWith('.py') && !f.startsWith('__'));
    expect(modules.filter((m) => !mlReadme.includes(`\`${m}\``))).toEqual([]);
  });

  it('quote only repository paths that exist', () => {
    const quoted = [...text.matchAll(/`((?:src|test|scripts|docs|ml|models|prisma|deploy|views|public|\.ci)\/[^`\s…]*)`/g)].map((m) => m[1]);
    const paths = [...new Set(quoted.flatMap(expand))].filter((p) => !p.includes('<') && !MADE_LOCALLY.test(p));
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((p) => !exists(p.replace(/[:),.]+$/, '')))).toEqual([]);
  });
});
