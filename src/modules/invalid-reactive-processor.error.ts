/**
 * A `@ReactiveProcessor()` class is declared in a way that cannot run: no `handle` method,
 * request-scoped, a duplicate name, or an instance that no `AedbModule` opens. Thrown while the
 * application initializes, so the mistake fails startup instead of silently never running.
 *
 * @publicApi
 */
export class InvalidReactiveProcessorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReactiveProcessorError';
  }
}
