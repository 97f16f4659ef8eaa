/**
 * ts-jest transpiles only (tsconfig has isolatedModules): type errors are caught by
 * `tsc --noEmit`, which `npm test` runs first. Integration tests start real emulators.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/helpers/quiet-powertools.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
