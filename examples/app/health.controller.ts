import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { AedbHealthIndicator } from '../../src/index';

/** `/health` through `@nestjs/terminus`: 200 when up, 503 with the reasons when down. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly aedb: AedbHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.aedb.isHealthy('aedb', { maxDurableLagCommits: 10_000 })]);
  }
}
