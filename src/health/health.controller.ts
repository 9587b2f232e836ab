import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, WithoutDatabase } from '../common/openapi';
import { MikroORM } from '@mikro-orm/postgresql';
import { DomainError } from '../common/errors';
import { HealthDto } from './health.dto';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly orm: MikroORM) {}

  /** 200 when the database answers, 503 when it does not. */
  @Get()
  @ApiOperation({ operationId: 'getHealth' })
  @ApiProblems({ 503: ['DATABASE_UNAVAILABLE'] })
  check(): Promise<HealthDto> {
    return this.ready();
  }

  /** Liveness: 200 while the process can answer at all, whether or not the database does. */
  @Get('live')
  @ApiOperation({ operationId: 'getLiveness' })
  @WithoutDatabase()
  live(): HealthDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when the database answers, 503 (with Retry-After) when it does not. Asks the
   * database each time through the pool, so it turns 200 again as soon as the database is back.
   */
  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness' })
  @ApiProblems({ 503: ['DATABASE_UNAVAILABLE'] })
  async ready(): Promise<HealthDto> {
    const check = await this.orm.checkConnection();
    if (!check.ok) {
      throw new DomainError('DATABASE_UNAVAILABLE', `Database check failed: ${check.reason}`);
    }
    return { status: 'ok' };
  }
}
