// The chaos suite (plain ESM JavaScript: no transform). One file at a time: the short run owns
// its ports and processes.
/** @type {import('jest').Config} */
export default {
  rootDir: import.meta.dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.mjs'],
  transform: {},
  maxWorkers: 1,
};
