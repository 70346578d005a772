/**
 * Jest runs our TypeScript through ts-jest as CommonJS, and compiles the ESM-only packages
 * (Nest 12) in node_modules to CommonJS with a small transform, because Jest on Node 20
 * cannot require() them. The custom environment shares the host's typed arrays so that
 * onnxruntime-node accepts tensors created inside tests, and gives the tests a plain
 * (uncontextified) vm context, in which global lookups are not 50x slower (see the file).
 */
const ESM_PACKAGES = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: '<rootDir>/test/support/jest-environment.js',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
    '^.+/node_modules/.+\\.m?js$': '<rootDir>/test/support/esm-to-cjs-transform.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  setupFiles: ['reflect-metadata'],
  testTimeout: 120000,
  clearMocks: true,
};
