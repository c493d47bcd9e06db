// Shared Jest settings: native ESM (the NestJS 12 packages are ESM-only) with SWC transpiling
// TypeScript, legacy decorators and decorator metadata, which Nest's dependency injection needs.
/** @returns {import('jest').Config} */
export function jestConfig(overrides = {}) {
  return {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            target: 'es2024',
            parser: { syntax: 'typescript', decorators: true },
            transform: {
              legacyDecorator: true,
              decoratorMetadata: true,
              useDefineForClassFields: true,
            },
            keepClassNames: true,
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
      // @fastify/static (behind Swagger UI) require()s the ESM-only content-disposition; Jest's
      // module loader cannot require ESM before Node 24.9, so that one package is compiled to CJS.
      '/node_modules/content-disposition/.+\\.js$': ['@swc/jest', {}],
    },
    transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
    // Sources import siblings as './x.js' (NodeNext); Jest resolves the .ts file behind it.
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    // Unit specs sit next to their code; integration and end-to-end specs under test/.
    testMatch: [
      '<rootDir>/src/**/*.spec.ts',
      '<rootDir>/test/**/*.int-spec.ts',
      '<rootDir>/test/**/*.e2e-spec.ts',
    ],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    coveragePathIgnorePatterns: ['/node_modules/', '/dist/', '/test/'],
    collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts'],
    ...overrides,
  };
}
