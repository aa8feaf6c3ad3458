/**
 * Fixture of the NestJS suites: real applications (`@nestjs/testing`) on real temp data
 * directories, closed (shutdown hooks and all) and removed after each test, with a logger that
 * records what the module logs instead of printing it.
 */
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { useTempDirs } from '../../support/temp-dir';

/** One recorded log line. */
export interface LogLine {
  readonly level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  readonly message: string;
  readonly context: string | undefined;
}

/** A logger that records every line (and prints nothing). */
export class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, context?: string): void {
    this.add('log', message, context);
  }
  error(message: unknown, _stack?: string, context?: string): void {
    this.add('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.add('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.add('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.add('verbose', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.add('fatal', message, context);
  }

  /** Messages logged with context `AedbModule`. */
  aedb(level?: LogLine['level']): string[] {
    return this.lines
      .filter((l) => l.context === 'AedbModule' && (level === undefined || l.level === level))
      .map((l) => l.message);
  }

  private add(level: LogLine['level'], message: unknown, context: string | undefined): void {
    this.lines.push({
      level,
      message: message instanceof Error ? message.message : String(message),
      context,
    });
  }
}

/** Handles of one suite's fixture. */
export interface NestFixture {
  /** A fresh data directory (removed after the test). */
  dir(): string;
  /** Compile `metadata` into an application (closed after the test) and `init()` it. */
  start(metadata: ModuleMetadata, logger?: RecordingLogger): Promise<INestApplication>;
  /** Like `start`, without `init()` (for tests of what happens before or during it). */
  create(metadata: ModuleMetadata, logger?: RecordingLogger): Promise<INestApplication>;
  /** Close every application started so far (in reverse order), as a shutdown would. */
  closeAll(): Promise<void>;
}

/** Register the fixture in the calling file or `describe`. */
export function useNestFixture(): NestFixture {
  const apps: INestApplication[] = [];
  const closeAll = async (): Promise<void> => {
    for (const app of apps.splice(0).reverse()) await app.close();
  };
  const dirs = useTempDirs(() => closeAll().catch(() => undefined));
  const create = async (
    metadata: ModuleMetadata,
    logger: RecordingLogger = new RecordingLogger(),
  ): Promise<INestApplication> => {
    const moduleRef = await Test.createTestingModule(metadata).setLogger(logger).compile();
    const app = moduleRef.createNestApplication();
    apps.push(app);
    return app;
  };
  return {
    dir: () => dirs.make(),
    create,
    closeAll,
    async start(metadata, logger) {
      const app = await create(metadata, logger);
      await app.init();
      return app;
    },
  };
}

/** Poll `condition` every 5 ms until it holds; fail after `timeoutMs` with `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error `promise` rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}
