import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { MikroORM } from '@mikro-orm/postgresql';
import { DomainError } from '../common/errors';

export class HealthDto {
  /** @example "ok" */
  status: 'ok';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly orm: MikroORM) {}

  /** 200 when the database answers, 503 when it does not. */
  @Get()
  async check(): Promise<HealthDto> {
    const check = await this.orm.checkConnection();
    if (!check.ok) {
      throw new DomainError('DATABASE_UNAVAILABLE', `Database check failed: ${check.reason}`);
    }
    return { status: 'ok' };
  }
}
