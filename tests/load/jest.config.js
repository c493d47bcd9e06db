// Unit tests of the benchmark's own code (plain ESM JavaScript: no transform).
/** @type {import('jest').Config} */
export default {
  rootDir: import.meta.dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/lib/**/*.test.mjs'],
  transform: {},
};
