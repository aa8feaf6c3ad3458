import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ConfigError } from '../storage/errors';
import type { ReactiveProcessorOptions } from '../processors/reactive-processor-options';
import { AEDB_DEFAULT_INSTANCE, AEDB_INSTANCE_NAME } from './aedb.constants';
import {
  DUPLICATE_INSTANCE,
  PROCESSOR_WITHOUT_HANDLE,
  REQUEST_SCOPED_PROCESSOR,
  UNKNOWN_PROCESSOR_INSTANCE,
} from './aedb.messages';
import { AedbOrchestrator } from './aedb.orchestrator';
import { InvalidReactiveProcessorError } from './invalid-reactive-processor.error';
import type { ReactiveProcessorHandler } from './reactive-processor-handler.interface';
import { ReactiveProcessorMetadataAccessor } from './reactive-processor-metadata.accessor';

type ProviderWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds the `@ReactiveProcessor()` providers of this module's instance when the module
 * initializes and hands them to the {@link AedbOrchestrator}, which starts them at bootstrap
 * (collect in `onModuleInit`, start in `onApplicationBootstrap`, as `@nestjs/schedule` does).
 * @internal
 */
@Injectable()
export class ReactiveProcessorExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: ReactiveProcessorMetadataAccessor,
    private readonly orchestrator: AedbOrchestrator,
    @Inject(AEDB_INSTANCE_NAME) private readonly instance: string,
  ) {}

  onModuleInit(): void {
    this.explore();
  }

  /** Collect every processor of this instance; throws for a misdeclared one or a duplicate instance. */
  explore(): void {
    const wrappers = this.discovery.getProviders();
    const instances = openedInstances(wrappers);
    for (const wrapper of wrappers) {
      if (wrapper.isAlias) continue;
      const metatype = classOf(wrapper);
      const metadata = this.accessor.getProcessorMetadata(metatype);
      if (metadata === undefined) continue;
      const className = typeof metatype === 'function' ? metatype.name : String(wrapper.name);
      const { name, topic, instance = AEDB_DEFAULT_INSTANCE, ...engineOptions } = metadata;
      if (!instances.includes(instance)) {
        throw new InvalidReactiveProcessorError(
          UNKNOWN_PROCESSOR_INSTANCE(className, instance, instances),
        );
      }
      if (instance !== this.instance) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new InvalidReactiveProcessorError(REQUEST_SCOPED_PROCESSOR(className));
      }
      const target = wrapper.instance as Partial<ReactiveProcessorHandler> | undefined;
      if (typeof target?.handle !== 'function') {
        throw new InvalidReactiveProcessorError(PROCESSOR_WITHOUT_HANDLE(className));
      }
      const handler = target as ReactiveProcessorHandler;
      const options: ReactiveProcessorOptions =
        topic === undefined ? engineOptions : { ...engineOptions, topicFilter: topic };
      this.orchestrator.addProcessor({
        name,
        className,
        options,
        handler: (events, ctx) => handler.handle(events, ctx),
      });
    }
  }
}

/**
 * The class of a provider. For `useFactory` / `useValue` providers the metatype is the factory
 * (or missing), so the class comes from the instance (the same rule as `@nestjs/bullmq`).
 */
function classOf(wrapper: ProviderWrapper): unknown {
  const instance: unknown = wrapper.instance;
  const fromInstance =
    instance !== null && typeof instance === 'object' ? instance.constructor : undefined;
  return !wrapper.metatype || wrapper.inject ? fromInstance : wrapper.metatype;
}

/** The names of every instance an `AedbModule` opens in this application (each once). */
function openedInstances(wrappers: readonly ProviderWrapper[]): string[] {
  const names = new Set<string>();
  for (const wrapper of wrappers) {
    if (wrapper.token === AEDB_INSTANCE_NAME && typeof wrapper.instance === 'string') {
      if (names.has(wrapper.instance)) {
        throw new ConfigError(DUPLICATE_INSTANCE(wrapper.instance), { instance: wrapper.instance });
      }
      names.add(wrapper.instance);
    }
  }
  return [...names].sort();
}
