import {
  applyDecorators,
  type ExecutionContext,
  Injectable,
  Logger,
  UseGuards,
} from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { ApiProblems } from '../common/openapi';
import { idempotentRequestOf } from '../idempotency/idempotent-request';
import { withRepeatKey } from './repeat-aware-storage';

export const CHECKOUT_THROTTLER = 'checkout';
const LOG_EVERY_MS = 10_000;

/**
 * Limits checkouts per client address (`request.ip`, see TRUST_PROXY), counted together for
 * every checkout route, with @nestjs/throttler: in this process, or in Redis for every instance
 * when REDIS_URL is set. A repeat of an Idempotency-Key within the window (a client retrying) is
 * not counted again: the key travels inside the throttle key to the storage, which remembers it
 * for the window (see repeat-aware-storage.ts); a retry after the window counts in its own.
 * The limit protects the store; it is no reason to refuse shoppers, so while its storage cannot
 * be reached the checkouts go through, and a warning is logged.
 */
@Injectable()
export class CheckoutRateLimitGuard extends ThrottlerGuard {
  private lastWarning = 0;

  /** With the limit off, not even the throttler's bookkeeping runs. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    return this.throttlers.every((t) => t.limit === 0) || super.canActivate(context);
  }

  protected async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      this.warn(error);
      return true;
    }
  }

  protected async getTracker(request: FastifyRequest): Promise<string> {
    return request.ip;
  }

  protected generateKey(context: ExecutionContext, tracker: string, throttler: string): string {
    const key = `${throttler}:${tracker}`;
    const idempotency = idempotentRequestOf(context.switchToHttp().getRequest<FastifyRequest>());
    return idempotency ? withRepeatKey(key, idempotency.key) : key;
  }

  protected async throwThrottlingException(
    _context: ExecutionContext,
    { limit, timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, timeToBlockExpire);
    throw new DomainError(
      'RATE_LIMITED',
      `At most ${limit} checkouts a minute per client; try again in ${seconds} s.`,
      { retryAfterSeconds: seconds },
    );
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < LOG_EVERY_MS) return;
    this.lastWarning = now;
    new Logger('RateLimit').warn(`Rate-limit storage unavailable, not limiting: ${String(error)}`);
  }
}

/** Applies the checkout limit to a route, and documents its answer. */
export const CheckoutRateLimit = () =>
  applyDecorators(UseGuards(CheckoutRateLimitGuard), ApiProblems({ 429: ['RATE_LIMITED'] }));
