import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../common/config';
import { DomainError } from '../common/errors';

const WINDOW_SECONDS = 60;

/**
 * Limits checkout attempts per client IP with a fixed one-minute window counted in PostgreSQL,
 * so every instance sees the same count. One upsert per checkout; off when the limit is 0.
 */
@Injectable()
export class CheckoutRateLimitGuard implements CanActivate {
  private readonly limit: number;
  private lastSweep = 0;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
    this.limit = config.RATE_LIMIT_CHECKOUT_PER_MINUTE;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.limit === 0) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const connection = this.em.getConnection();
    const [{ hits, retry_after }] = await connection.execute<
      { hits: number; retry_after: number }[]
    >(
      `insert into rate_limit_windows (bucket, window_start, hits)
       values (?, to_timestamp(floor(extract(epoch from now()) / ${WINDOW_SECONDS}) * ${WINDOW_SECONDS}), 1)
       on conflict (bucket, window_start) do update set hits = rate_limit_windows.hits + 1
       returning hits, ceil(extract(epoch from window_start) + ${WINDOW_SECONDS} - extract(epoch from now()))::int as retry_after`,
      [`checkout:${request.ip}`],
    );
    this.sweepOldWindows();
    if (hits <= this.limit) return true;
    throw new DomainError(
      'RATE_LIMITED',
      `At most ${this.limit} checkouts a minute per client; try again in ${retry_after} s.`,
      { retryAfterSeconds: Math.max(1, retry_after) },
    );
  }

  /** Drops finished windows now and then; any instance may do it. */
  private sweepOldWindows(): void {
    const now = Date.now();
    if (now - this.lastSweep < WINDOW_SECONDS * 1000) return;
    this.lastSweep = now;
    void this.em
      .getConnection()
      .execute(`delete from rate_limit_windows where window_start < now() - interval '2 minutes'`)
      .catch(() => undefined);
  }
}
