/**
 * The fuzz suite (test/fuzz), `npm run test:fuzz`: thousands of generated requests against one real
 * service (Temporal dev server, PostgreSQL, worker, API on loopback). Its files end in .fuzz.ts, so
 * `npm test` (jest.config.js, *.test.ts) does not run them.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testMatch: ['<rootDir>/test/fuzz/**/*.fuzz.ts'],
  testTimeout: 600000,
  maxWorkers: 1,
};
