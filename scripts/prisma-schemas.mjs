#!/usr/bin/env node
// Prisma 7 fixes the datasource provider inside each generated client (its query compiler is
// built per provider, and the client refuses an adapter of another provider at construction:
// "The Driver Adapter `@prisma/adapter-pg`, based on `postgres`, is not compatible with the
// provider `sqlite` specified in the Prisma schema"). So one set of models needs two generated
// clients. prisma/schema.prisma stays the only place models are written; this script derives
// prisma/postgresql/schema.prisma from it (provider and output path only). `--check` exits 1 when
// the committed copy is stale (a unit test runs it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'prisma', 'schema.prisma');
const target = path.join(root, 'prisma', 'postgresql', 'schema.prisma');

export function derivePostgresSchema(text) {
  const swapped = text
    .replace(/(datasource db \{\s*provider\s*=\s*)"sqlite"/, '$1"postgresql"')
    .replace(/(output\s*=\s*)"\.\.\/src\/generated\/prisma"/, '$1"../../src/generated/prisma-pg"');
  if (!swapped.includes('"postgresql"') || !swapped.includes('prisma-pg')) {
    throw new Error('prisma/schema.prisma: provider or output line not found');
  }
  return '// GENERATED from ../schema.prisma by scripts/prisma-schemas.mjs: edit that file, not this one.\n' + swapped;
}

const want = derivePostgresSchema(fs.readFileSync(source, 'utf8'));
if (process.argv.includes('--check')) {
  const have = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (have !== want) {
    console.error('prisma/postgresql/schema.prisma is stale: run `npm run prisma:generate`');
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== want) fs.writeFileSync(target, want);
}
