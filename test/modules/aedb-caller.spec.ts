/**
 * AedbCallerGuard and @Caller(): the caller is resolved from the request (default: the
 * x-caller-id header, or a configured resolver), secure mode rejects requests without one with
 * 401, and named instances use their own settings. Real HTTP requests against a real server.
 */
import { Controller, Get, UseGuards, type ExecutionContext } from '@nestjs/common';
import {
  AedbCallerGuard,
  AedbModule,
  Caller,
  type AedbModuleOptions,
  type CallerContext,
} from '../../src/index';
import { useNestFixture } from './support/nest-fixture';

@Controller()
class WhoAmIController {
  @Get('whoami')
  @UseGuards(AedbCallerGuard)
  whoami(@Caller() caller: CallerContext | undefined): { caller: CallerContext | null } {
    return { caller: caller ?? null };
  }

  @Get('audit/whoami')
  @UseGuards(AedbCallerGuard.forInstance('audit'))
  auditWhoami(@Caller() caller: CallerContext | undefined): { caller: CallerContext | null } {
    return { caller: caller ?? null };
  }

  @Get('unguarded')
  unguarded(@Caller() caller: CallerContext | undefined): { caller: CallerContext | null } {
    return { caller: caller ?? null };
  }
}

/** The bearer token is the caller id (a stand-in for real token verification). */
function bearerResolver(context: ExecutionContext): CallerContext | undefined {
  const { authorization } = context
    .switchToHttp()
    .getRequest<{ headers: Record<string, string | undefined> }>().headers;
  return authorization?.startsWith('Bearer ') ? { callerId: authorization.slice(7) } : undefined;
}

describe('AedbCallerGuard and @Caller()', () => {
  const nest = useNestFixture();

  /** Serve WhoAmIController with a default instance (`main`) and an `audit` instance. */
  async function serve(
    main: Omit<AedbModuleOptions, 'dataDir'>,
    audit: Omit<AedbModuleOptions, 'dataDir'> = {},
  ): Promise<(path: string, headers?: Record<string, string>) => Promise<[number, unknown]>> {
    const app = await nest.create({
      imports: [
        AedbModule.forRoot({ dataDir: nest.dir(), ...main }),
        AedbModule.forRoot({ name: 'audit', dataDir: nest.dir(), ...audit }),
      ],
      controllers: [WhoAmIController],
    });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    return async (path, headers = {}) => {
      const res = await fetch(`${base}${path}`, { headers });
      return [res.status, await res.json()];
    };
  }

  it('resolves the caller from the x-caller-id header and allows anonymous requests outside secure mode', async () => {
    const get = await serve({});
    expect(await get('/whoami', { 'x-caller-id': 'alice' })).toEqual([
      200,
      { caller: { callerId: 'alice' } },
    ]);
    expect(await get('/whoami')).toEqual([200, { caller: null }]);
  });

  it('rejects a request without a caller with 401 in secure mode', async () => {
    const get = await serve({ secure: true });
    const [status, body] = await get('/whoami');
    expect(status).toBe(401);
    expect(body).toMatchObject({
      statusCode: 401,
      message:
        'This route requires a caller (aedb instance "default" runs in secure mode): send the x-caller-id header, or the credentials the configured callerResolver reads.',
    });
    expect(await get('/whoami', { 'x-caller-id': 'bob' })).toEqual([
      200,
      { caller: { callerId: 'bob' } },
    ]);
  });

  it('uses a configured header or resolver', async () => {
    const get = await serve(
      { callerHeader: 'X-User', secure: true },
      { callerResolver: bearerResolver, secure: true },
    );
    expect(await get('/whoami', { 'x-user': 'carol' })).toEqual([
      200,
      { caller: { callerId: 'carol' } },
    ]);
    expect((await get('/whoami', { 'x-caller-id': 'carol' }))[0]).toBe(401);
    expect(await get('/audit/whoami', { authorization: 'Bearer dave' })).toEqual([
      200,
      { caller: { callerId: 'dave' } },
    ]);
    expect((await get('/audit/whoami', { 'x-user': 'dave' }))[0]).toBe(401);
  });

  it('rejects a resolver result that is not a CallerContext with 400', async () => {
    const get = await serve({ callerResolver: () => ({ callerId: '' }) });
    const [status, body] = await get('/whoami');
    expect(status).toBe(400);
    expect(body).toMatchObject({
      message: expect.stringContaining("returned { callerId: '' }") as unknown,
    });
  });

  it('fails @Caller() on a route without the guard with 500 and says why', async () => {
    const get = await serve({});
    const [status, body] = await get('/unguarded');
    expect(status).toBe(500);
    expect(body).toMatchObject({
      message: expect.stringContaining('@Caller() needs AedbCallerGuard') as unknown,
    });
  });
});
