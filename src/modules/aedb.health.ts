import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { AedbInstance } from '../aedb-instance';
import { AEDB_DEFAULT_INSTANCE } from './aedb.constants';
import { INSTANCE_NOT_FOUND } from './aedb.messages';
import { getAedbInstanceToken } from './aedb.utils';

/** Options of {@link AedbHealthIndicator.isHealthy}. @publicApi */
export interface AedbHealthCheckOptions {
  /** The instance to check. Default: the default instance. */
  readonly instance?: string;
  /**
   * Report `down` when more than this many commits are visible but not yet durable
   * (`visibleHeadSeq - durableHeadSeq`; always 0 in `full` durability). Default: never.
   */
  readonly maxDurableLagCommits?: number;
  /** Report `down` when an enabled processor breaches its lag or stall SLO. Default `true`. */
  readonly failOnProcessorSloBreach?: boolean;
}

/** A processor in breach of its SLO, as reported by the health indicator. @publicApi */
export interface AedbHealthSloBreach {
  readonly processor: string;
  readonly reasons: readonly string[];
}

/**
 * The details the indicator reports for one instance (JSON-safe: numbers, strings, booleans).
 * @publicApi
 */
export interface AedbHealthDetails {
  readonly status: 'up' | 'down';
  readonly instance: string;
  readonly dataDir: string;
  /** Whether the instance is open (it opens only after recovery succeeded). */
  readonly open: boolean;
  /** The seq recovery restored at open, and how long it took. */
  readonly recoveredSeq: number;
  readonly recoveryMs: number;
  readonly visibleHeadSeq?: number;
  readonly durableHeadSeq?: number;
  /** `visibleHeadSeq - durableHeadSeq`. */
  readonly durableLagCommits?: number;
  /** Registered processors, and those running in this process. */
  readonly processors?: number;
  readonly processorsRunning?: number;
  readonly sloBreaches?: readonly AedbHealthSloBreach[];
  /** Why the status is `down`. */
  readonly reasons?: readonly string[];
}

/**
 * The result shape `@nestjs/terminus` expects from an indicator (`{ [key]: { status, ... } }`),
 * without importing terminus: the indicator works in applications that do not install it.
 * @publicApi
 */
export type AedbHealthIndicatorResult<Key extends string = string> = Record<Key, AedbHealthDetails>;

/**
 * A health indicator for `@nestjs/terminus` (an optional peer dependency): `up` while the
 * instance is open, its durable lag is within bounds and no processor breaches its SLO; `down`
 * with the reasons otherwise. It returns terminus' result shape instead of throwing, which
 * terminus 11 and 12 report as a failed check (503); without terminus,
 * call it from any controller.
 *
 * @example
 * ```ts
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly aedb: AedbHealthIndicator) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.aedb.isHealthy('aedb', { maxDurableLagCommits: 10_000 })]);
 *   }
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class AedbHealthIndicator {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** Check instance `options.instance` (default: the default one) and report it under `key`. */
  async isHealthy<Key extends string = 'aedb'>(
    key: Key = 'aedb' as Key,
    options: AedbHealthCheckOptions = {},
  ): Promise<AedbHealthIndicatorResult<Key>> {
    const details = await this.check(this.resolve(options.instance), options);
    return { [key]: details } as AedbHealthIndicatorResult<Key>;
  }

  private resolve(name: string = AEDB_DEFAULT_INSTANCE): { name: string; db: AedbInstance } {
    try {
      return {
        name,
        db: this.moduleRef.get<AedbInstance>(getAedbInstanceToken(name), { strict: false }),
      };
    } catch {
      throw new Error(INSTANCE_NOT_FOUND(name));
    }
  }

  private async check(
    { name, db }: { name: string; db: AedbInstance },
    options: AedbHealthCheckOptions,
  ): Promise<AedbHealthDetails> {
    const base = {
      instance: name,
      dataDir: db.dir,
      recoveredSeq: db.recoveryReport.recoveredSeq,
      recoveryMs: Math.round(db.recoveryReport.durationMs * 10) / 10,
    };
    if (db.closed) {
      return { status: 'down', ...base, open: false, reasons: ['the instance is closed'] };
    }
    const reasons: string[] = [];
    let head;
    let processors;
    let slos;
    try {
      head = db.headState();
      [processors, slos] = await Promise.all([
        db.listReactiveProcessors(),
        db.listReactiveProcessorSloStatuses(),
      ]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { status: 'down', ...base, open: !db.closed, reasons: [message] };
    }
    const durableLagCommits = head.visibleHeadSeq - head.durableHeadSeq;
    const maxLag = options.maxDurableLagCommits;
    if (maxLag !== undefined && durableLagCommits > maxLag) {
      reasons.push(`durable lag ${durableLagCommits} commits > maxDurableLagCommits ${maxLag}`);
    }
    // As the engine's enforceReactiveProcessorSlos: a paused processor is behind on purpose.
    const sloBreaches = slos
      .filter((s) => s.enabled && s.breached)
      .map((s) => ({ processor: s.processorName, reasons: [...s.reasons] }));
    if (options.failOnProcessorSloBreach !== false) {
      for (const b of sloBreaches)
        reasons.push(`processor ${b.processor}: ${b.reasons.join('; ')}`);
    }
    return {
      status: reasons.length === 0 ? 'up' : 'down',
      ...base,
      open: true,
      visibleHeadSeq: head.visibleHeadSeq,
      durableHeadSeq: head.durableHeadSeq,
      durableLagCommits,
      processors: processors.length,
      processorsRunning: processors.filter((p) => p.running).length,
      sloBreaches,
      ...(reasons.length === 0 ? {} : { reasons }),
    };
  }
}
