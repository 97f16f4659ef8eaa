/**
 * ts-jest transpiles only (isolatedModules): type errors are caught by `tsc --noEmit`,
 * which `npm test` runs first (see package.json "pretest").
 * Unit tests run in parallel; integration tests start real emulators and are heavier.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testTimeout: 60_000,
  maxWorkers: 2,
};
