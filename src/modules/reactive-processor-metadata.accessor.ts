import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REACTIVE_PROCESSOR_METADATA } from './aedb.constants';
import type { ReactiveProcessorDecoratorOptions } from './reactive-processor.decorator';

/**
 * Reads `@ReactiveProcessor()` metadata (the accessor of the house discovery pattern).
 * @internal
 */
@Injectable()
export class ReactiveProcessorMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** Whether `target` is a `@ReactiveProcessor()` class. */
  isProcessor(target: unknown): target is abstract new (...args: never[]) => unknown {
    return typeof target === 'function' && this.getProcessorMetadata(target) !== undefined;
  }

  /** The decorator options of `target`, if it is a processor class. */
  getProcessorMetadata(target: unknown): ReactiveProcessorDecoratorOptions | undefined {
    if (typeof target !== 'function') return undefined;
    return this.reflector.get<ReactiveProcessorDecoratorOptions | undefined>(
      REACTIVE_PROCESSOR_METADATA,
      target,
    );
  }
}
