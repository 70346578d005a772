// Jest transform: compiles ESM files from node_modules (Nest 12 ships ESM only) to CommonJS
// with TypeScript's transpiler. `import.meta.url` has no CommonJS equivalent, so it is
// rewritten to the file URL of the module first, and `const require = createRequire(…)` dropped.
const crypto = require('node:crypto');
const ts = require('typescript');

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update('v2\0').update(filename).update('\0').update(source).digest('hex');
  },
  process(source, filename) {
    const patched = source
      // `const require = createRequire(import.meta.url)` would redeclare CommonJS's own require.
      .replace(/^\s*const require\s*=\s*createRequire\(import\.meta\.url\);?\s*$/gm, '')
      .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href");
    const out = ts.transpileModule(patched, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    return { code: out.outputText };
  },
};
