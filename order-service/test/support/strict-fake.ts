import { jest } from '@jest/globals';

/**
 * A stand-in for a dependency that implements only what a test expects to be called: any other
 * method fails the test at once, so a unit test cannot pass by accident through an unexpected
 * call. Every implemented method is a jest.fn() so calls can be asserted.
 */
export function strictFake<T extends object>(
  name: string,
  methods: Partial<Record<keyof T, unknown>> = {},
): T {
  const fakes = new Map<PropertyKey, unknown>();
  for (const [key, impl] of Object.entries(methods)) {
    fakes.set(
      key,
      typeof impl === 'function' ? jest.fn(impl as (...args: unknown[]) => unknown) : impl,
    );
  }
  return new Proxy({} as T, {
    get(_target, property) {
      if (fakes.has(property)) return fakes.get(property);
      // Promise resolution and Jest's own inspection probe these; they are not calls.
      if (property === 'then' || typeof property === 'symbol' || property === 'asymmetricMatch') {
        return undefined;
      }
      throw new Error(`unexpected call: ${name}.${String(property)}`);
    },
  });
}
