import { ValidationPipe, type INestApplication, type LogLevel } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { AedbExceptionFilter } from '../../src/index';
import { AppModule, type LedgerAppOptions } from './app.module';

/**
 * Create the example application (not listening yet). Startup errors (a bad option, a
 * directory locked by another process, ...) reject instead of exiting the process.
 */
export async function createLedgerApp(
  options: LedgerAppOptions & { readonly logger?: false | LogLevel[] },
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(options), {
    logger: options.logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  // AedbError → HTTP status (NOT_FOUND → 404, ALREADY_EXISTS → 409, UNDERFLOW → 422, ...).
  app.useGlobalFilters(new AedbExceptionFilter(app.get(HttpAdapterHost).httpAdapter));
  return app;
}

/** What `npm start` prints once the server listens: the URL and commands to try. */
export function ledgerBanner(url: string, dataDir: string): string {
  const json = "-H 'content-type: application/json'";
  const post = (path: string, body: object, headers = ''): string =>
    `curl -s -X POST ${url}${path} ${json}${headers} -d '${JSON.stringify(body)}'`;
  return [
    `aedb ledger example listening on ${url} (data: ${dataDir})`,
    '',
    'Try:',
    `  ${post('/accounts', { id: 'alice', name: 'Alice' })}`,
    `  ${post('/accounts', { id: 'bob' })}`,
    `  ${post('/accounts/alice/deposit', { amount: '1000' })}`,
    `  ${post('/transfers', { from: 'alice', to: 'bob', amount: '250' }, " -H 'Idempotency-Key: t-1' -H 'x-caller-id: teller-1'")}`,
    `  curl -s ${url}/accounts/bob`,
    `  curl -s ${url}/leaderboard`,
    `  curl -s ${url}/health`,
    '',
    'Repeat the transfer: same Idempotency-Key, nothing moves twice. Ctrl-C stops it cleanly.',
  ].join('\n');
}
