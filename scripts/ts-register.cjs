'use strict';
/**
 * `node -r ./scripts/ts-register.cjs file.ts`: runs this repository's TypeScript from the sources
 * — the worker threads of an app started by the tests, the entries the tests spawn, the measure
 * scripts — with a transpile cache on disk. The build (dist/, `npm start`) never uses it.
 *
 * Why not ts-node/register/transpile-only: it loads the TypeScript compiler (~9 MB of JavaScript)
 * and transpiles every file again in every thread and process. An inference worker cost 1.5 s of
 * CPU to start that way against 0.1 s from dist/, and each app a test starts runs four to six
 * workers. Here a file is transpiled once per content (and tsconfig.json, TypeScript version and
 * this file), kept in node_modules/.cache/ts-register (TS_REGISTER_CACHE overrides it), and the
 * compiler is loaded only on a miss. Old entries are never read again; `npm ci` or deleting the
 * folder clears them (a few KB per file version). Output matches transpile-only ts-node: the tsconfig's
 * options, CommonJS, no type check (`npm run typecheck` does that). Inline source maps, with
 * Node's source-map support on, keep stack traces on the .ts lines.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { threadId } = require('node:worker_threads');

const ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = process.env.TS_REGISTER_CACHE || path.join(ROOT, 'node_modules', '.cache', 'ts-register');

/** Loaded on the first cache miss only. */
let compiler = null;
/** What else decides the output besides the file: the compiler's version, the tsconfig, this file. */
let salt = null;

function saltOf() {
  const hash = crypto.createHash('sha256');
  for (const file of [require.resolve('typescript/package.json', { paths: [ROOT] }), path.join(ROOT, 'tsconfig.json'), __filename]) {
    hash.update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function loadCompiler() {
  if (compiler) return compiler;
  const ts = require(require.resolve('typescript', { paths: [ROOT] }));
  const file = path.join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(`ts-register: ${file}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const { options } = ts.convertCompilerOptionsFromJson(read.config.compilerOptions || {}, ROOT, file);
  compiler = {
    ts,
    options: { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, inlineSources: false, declaration: false, noEmit: false },
  };
  return compiler;
}

function transpile(source, filename) {
  salt = salt || saltOf();
  const key = crypto.createHash('sha256').update(salt).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // a miss: transpile below
  }
  const { ts, options } = loadCompiler();
  const output = ts.transpileModule(source, { fileName: filename, compilerOptions: options, reportDiagnostics: false }).outputText;
  // written under a name of its own, then renamed: threads and processes share the folder, and a
  // reader must never see half a file. An unwritable folder only costs the cache.
  const partial = `${cached}.${process.pid}.${threadId}.tmp`;
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, cached);
  } catch {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // no folder, nothing to remove
    }
  }
  return output;
}

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};
process.setSourceMapsEnabled(true);
