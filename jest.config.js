/**
 * One jest run for the whole project. Type checking is done by `npm run typecheck`
 * (tsc), so ts-jest only transpiles (isolatedModules): 4-8 s instead of 20 s.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/jest-env.js'],
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-after-env.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
