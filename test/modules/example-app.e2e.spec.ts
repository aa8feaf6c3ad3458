/**
 * End-to-end test of the example application (`examples/app`, what `npm start` runs): a real
 * HTTP server on a free localhost port, real fetch requests, a real data directory, and a
 * restart in the middle (close the application, start it again on the same directory) with
 * balances, idempotency records and the leaderboard processor's checkpoint intact.
 */
import type { INestApplication } from '@nestjs/common';
import { createLedgerApp, ledgerBanner } from '../../examples/app/ledger-app';
import { useTempDirs } from '../support/temp-dir';
import { waitFor } from './support/nest-fixture';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A running example server and a tiny JSON client for it. */
class LedgerClient {
  private constructor(
    readonly app: INestApplication,
    readonly url: string,
  ) {}

  static async start(dataDir: string): Promise<LedgerClient> {
    const app = await createLedgerApp({ dataDir, logger: false });
    await app.listen(0, '127.0.0.1');
    return new LedgerClient(app, await app.getUrl());
  }

  get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }

  post(path: string, body: object, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('POST', path, body, headers);
  }

  transfer(from: string, to: string, amount: string | number, key: string): Promise<Reply> {
    return this.post(
      '/transfers',
      { from, to, amount },
      { 'idempotency-key': key, 'x-caller-id': 'teller' },
    );
  }

  async balance(id: string): Promise<string> {
    const { status, body } = await this.get(`/accounts/${id}`);
    expect(status).toBe(200);
    return body.balance as string;
  }

  async leaderboard(): Promise<{
    entries: { account: string; volume: string; transfers: number }[];
    processor: { checkpointSeq: number };
  }> {
    const { status, body } = await this.get('/leaderboard');
    expect(status).toBe(200);
    return body as never;
  }

  private async send(
    method: string,
    path: string,
    body?: object,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
}

describe('example app (end to end over HTTP)', () => {
  const servers: LedgerClient[] = [];
  const dirs = useTempDirs(async () => {
    for (const s of servers.splice(0)) await s.app.close().catch(() => undefined);
  });

  async function start(dir: string): Promise<LedgerClient> {
    const client = await LedgerClient.start(dir);
    servers.push(client);
    return client;
  }

  it('serves accounts, deposits, transfers and a leaderboard, and survives a restart', async () => {
    const dir = dirs.make();
    let api = await start(dir);

    // Accounts.
    expect(await api.post('/accounts', { id: 'alice', name: 'Alice' })).toEqual({
      status: 201,
      body: { id: 'alice', name: 'Alice', balance: '0', minBalance: '0' },
    });
    expect((await api.post('/accounts', { id: 'bob' })).status).toBe(201);
    expect((await api.post('/accounts', { id: 'house', minBalance: 500 })).status).toBe(201);
    expect(await api.post('/accounts', { id: 'bob' })).toMatchObject({
      status: 409,
      body: { code: 'ALREADY_EXISTS' },
    });
    expect((await api.post('/accounts', { id: 'no spaces' })).status).toBe(400);
    expect((await api.get('/accounts/nobody')).status).toBe(404);

    // Deposits (idempotent with a key).
    const deposit = await api.post(
      '/accounts/alice/deposit',
      { amount: '1000' },
      { 'idempotency-key': 'd-1' },
    );
    expect(deposit).toMatchObject({
      status: 200,
      body: { outcome: 'applied', account: { balance: '1000' } },
    });
    expect(
      await api.post('/accounts/alice/deposit', { amount: '1000' }, { 'idempotency-key': 'd-1' }),
    ).toMatchObject({ status: 200, body: { outcome: 'duplicate', account: { balance: '1000' } } });
    expect((await api.post('/accounts/house/deposit', { amount: 600 })).status).toBe(200);

    // A transfer, and its idempotent retry: 201 then 200 with the same commit, money moved once.
    const first = await api.transfer('alice', 'bob', '300', 't-1');
    expect(first).toMatchObject({ status: 201, body: { transferId: 't-1', outcome: 'applied' } });
    const retry = await api.transfer('alice', 'bob', '300', 't-1');
    expect(retry).toEqual({ status: 200, body: { ...first.body, outcome: 'duplicate' } });
    expect(await api.balance('alice')).toBe('700');
    expect(await api.balance('bob')).toBe('300');
    // The same key for a different transfer is refused.
    expect(await api.transfer('alice', 'bob', '301', 't-1')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION' },
    });

    // Insufficient funds (u64 underflow) and the minimum-balance postflight check: 422, nothing moves.
    expect(await api.transfer('bob', 'alice', '301', 't-2')).toEqual({
      status: 422,
      body: {
        statusCode: 422,
        code: 'INSUFFICIENT_FUNDS',
        message: 'account bob cannot send 301 (balance 300, minimum balance 0)',
      },
    });
    expect(await api.transfer('house', 'alice', '200', 't-3')).toMatchObject({
      status: 422,
      body: { code: 'INSUFFICIENT_FUNDS' },
    });
    expect(await api.balance('house')).toBe('600');
    expect(await api.balance('bob')).toBe('300');
    expect((await api.transfer('house', 'alice', '100', 't-4')).status).toBe(201);

    // Input errors.
    expect((await api.transfer('bob', 'ghost', '1', 't-5')).status).toBe(404);
    expect((await api.post('/transfers', { from: 'alice', to: 'bob', amount: 1 })).status).toBe(
      400,
    );
    expect((await api.transfer('alice', 'bob', '-5', 't-6')).status).toBe(400);

    // The leaderboard catches up with the transfers (a processor maintains it).
    const expected = [
      { account: 'alice', volume: '400', transfers: 2 },
      { account: 'bob', volume: '300', transfers: 1 },
      { account: 'house', volume: '100', transfers: 1 },
    ];
    await waitFor(
      async () => JSON.stringify((await api.leaderboard()).entries) === JSON.stringify(expected),
      'the leaderboard to reflect the transfers',
    );
    const before = await api.leaderboard();
    expect(before.processor.checkpointSeq).toBeGreaterThan(0);
    expect(await api.get('/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', info: { aedb: { status: 'up', processors: 1, processorsRunning: 1 } } },
    });

    // Restart on the same directory.
    await api.app.close();
    servers.length = 0;
    api = await start(dir);

    expect(await api.balance('alice')).toBe('800');
    expect(await api.balance('bob')).toBe('300');
    const after = await api.leaderboard();
    expect(after.entries).toEqual(before.entries);
    expect(after.processor.checkpointSeq).toBeGreaterThanOrEqual(before.processor.checkpointSeq);
    // Idempotency records survived: the retry is still a duplicate.
    expect(await api.transfer('alice', 'bob', '300', 't-1')).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', commitSeq: first.body.commitSeq },
    });

    // New transfers after the restart are counted once, on top of the old totals.
    expect((await api.transfer('bob', 'alice', '50', 't-7')).status).toBe(201);
    await waitFor(
      async () =>
        (await api.leaderboard()).entries.find((e) => e.account === 'bob')?.transfers === 2,
      'the leaderboard to reflect the transfer after the restart',
    );
    expect((await api.leaderboard()).entries).toEqual([
      { account: 'alice', volume: '450', transfers: 3 },
      { account: 'bob', volume: '350', transfers: 2 },
      { account: 'house', volume: '100', transfers: 1 },
    ]);
  });

  it('prints ready-to-paste curl commands', () => {
    const banner = ledgerBanner('http://localhost:3000', '/srv/data');
    expect(banner).toContain(
      'aedb ledger example listening on http://localhost:3000 (data: /srv/data)',
    );
    expect(banner).toContain(
      `curl -s -X POST http://localhost:3000/transfers -H 'content-type: application/json' -H 'Idempotency-Key: t-1' -H 'x-caller-id: teller-1' -d '{"from":"alice","to":"bob","amount":"250"}'`,
    );
    expect(banner).toContain('curl -s http://localhost:3000/leaderboard');
  });
});
