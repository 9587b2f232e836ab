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
import { idempotentRequestOf } from '../idempotency/idempotency.service';

export const CHECKOUT_THROTTLER = 'checkout';
/**
 * How long a key is remembered so that its repeats are not counted again: the limit's own window,
 * which bounds what the in-memory storage holds; a retry after it is counted in its new window.
 */
const REPEAT_MEMORY_MS = 60_000;
const LOG_EVERY_MS = 10_000;

/**
 * Limits checkouts per client address (`request.ip`, see TRUST_PROXY), counted together for
 * every checkout route, with @nestjs/throttler: in this process, or in Redis for every instance
 * when REDIS_URL is set. A repeat of an Idempotency-Key within the window (a client retrying) is not
 * counted again.
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
      if (await this.isRepeat(request.context)) return true;
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

  protected generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
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

  /** True for the second and later requests with one Idempotency-Key. */
  private async isRepeat(context: ExecutionContext): Promise<boolean> {
    const idempotency = idempotentRequestOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!idempotency) return false;
    const { totalHits } = await this.storageService.increment(
      `idempotency-key:${idempotency.key}`,
      REPEAT_MEMORY_MS,
      Number.MAX_SAFE_INTEGER,
      0,
      'repeats',
    );
    return totalHits > 1;
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
