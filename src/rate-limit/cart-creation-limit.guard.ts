import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  UseGuards,
} from '@nestjs/common';
import { getStorageToken } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../common/config';
import { DomainError } from '../common/errors';
import { ApiProblems } from '../common/openapi';
import { clientIdentity } from './client-identity';
import type { CheckoutLimitStorage } from './repeat-aware-storage';

const WINDOW_MS = 60_000;
const LOG_EVERY_MS = 10_000;

/**
 * Limits cart creation per client with the checkout limit's storage and client identity, under
 * keys of its own (`cart:`), so the two budgets never mix. Every attempt counts, refused ones too.
 * Like the checkout limit, an unreachable storage lets creations through, with a warning.
 */
@Injectable()
export class CartCreationLimitGuard implements CanActivate {
  private lastWarning = 0;

  constructor(
    @Inject(getStorageToken()) private readonly storage: CheckoutLimitStorage,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limit = this.config.RATE_LIMIT_CARTS_PER_MINUTE;
    if (limit === 0) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const client = `cart:${clientIdentity(request, this.config.RATE_LIMIT_IPV6_PREFIX)}`;
    let verdict;
    try {
      verdict = await this.storage.attempt(client, undefined, WINDOW_MS, limit);
    } catch (error) {
      this.warn(error);
      return true;
    }
    if (!verdict.blocked) return true;
    const seconds = verdict.retryAfterSeconds;
    throw new DomainError(
      'RATE_LIMITED',
      `At most ${limit} new carts a minute per client; try again in ${seconds} s.`,
      { retryAfterSeconds: seconds },
    );
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < LOG_EVERY_MS) return;
    this.lastWarning = now;
    new Logger('RateLimit').warn(
      `Rate-limit storage unavailable, not limiting carts: ${String(error)}`,
    );
  }
}

/** Applies the cart creation limit to a route, and documents its answer. */
export const CartCreationLimit = () =>
  applyDecorators(UseGuards(CartCreationLimitGuard), ApiProblems({ 429: ['RATE_LIMITED'] }));
