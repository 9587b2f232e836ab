import {
  applyDecorators,
  type ExecutionContext,
  Injectable,
  Logger,
  UseGuards,
} from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors';
import { ApiProblems } from '../common/openapi';
import { type IdempotentRequest, idempotentRequestOf } from '../idempotency/idempotent-request';
import type { CheckoutLimitStorage, Verdict } from './repeat-aware-storage';

export const CHECKOUT_THROTTLER = 'checkout';
const LOG_EVERY_MS = 10_000;

/**
 * Names one request of one client: its Idempotency-Key and fingerprint (method, route, path and
 * body), so that only the same request from the same client is a replay. 132 bits of SHA-256.
 */
const replayMarker = (client: string, request: IdempotentRequest) =>
  createHash('sha256')
    .update(`${client}\u0000${request.key}\u0000${request.requestHash}`)
    .digest('base64url')
    .slice(0, 22);

/**
 * Limits checkout attempts per client (see client-identity.ts and TRUST_PROXY), counted together
 * for every checkout route, in this process or in Redis for every instance when REDIS_URL is set.
 * Every attempt counts, refused ones included. The one exception is a true replay: the same
 * client sending again the same request with the same Idempotency-Key as a purchase this limit let
 * through and that succeeded (2xx), within the window; it gets its stored answer and buys nothing.
 * A key whose attempt was refused, given back (a stale expectedVersion, a sale not started) or
 * reused for another request (422) is no replay, and counts each time.
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

  protected override async handleRequest({
    context,
    limit,
    ttl,
    throttler,
    getTracker,
    generateKey,
  }: ThrottlerRequest): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const idempotency = idempotentRequestOf(request);
    const client = generateKey(context, await getTracker(request, context), throttler.name!);
    const marker = idempotency && replayMarker(client, idempotency);
    const storage = this.storageService as CheckoutLimitStorage;
    let verdict: Verdict;
    try {
      verdict = await storage.attempt(client, marker, ttl, limit);
    } catch (error) {
      this.warn(error);
      return true;
    }
    if (verdict.blocked) {
      const seconds = verdict.retryAfterSeconds;
      throw new DomainError(
        'RATE_LIMITED',
        `At most ${limit} checkouts a minute per client; try again in ${seconds} s.`,
        { retryAfterSeconds: seconds },
      );
    }
    if (marker && !verdict.replay) {
      // Known only once answered: a refusal or a given-back key must not become a free retry.
      const reply = http.getResponse<FastifyReply>().raw;
      reply.once('finish', () => {
        if (reply.statusCode < 300) storage.rememberSuccess(client, marker, ttl);
      });
    }
    return true;
  }

  /** The throttler's own key hashes the route in; the limit is one count across both routes. */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
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
