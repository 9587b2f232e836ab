import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../common/config';
import { CartCreationLimitGuard } from './cart-creation-limit.guard';
import { CHECKOUT_THROTTLER, CheckoutRateLimitGuard } from './checkout-rate-limit.guard';
import { clientIdentity } from './client-identity';
import { MemoryThrottlerStorage, RedisThrottlerStorage } from './repeat-aware-storage';

const WINDOW_MS = 60_000;

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          {
            name: CHECKOUT_THROTTLER,
            ttl: WINDOW_MS,
            limit: config.RATE_LIMIT_CHECKOUT_PER_MINUTE,
            setHeaders: false,
            getTracker: (request: Record<string, unknown>) =>
              clientIdentity(request as unknown as FastifyRequest, config.RATE_LIMIT_IPV6_PREFIX),
          },
        ],
        storage: config.REDIS_URL
          ? new RedisThrottlerStorage(config.REDIS_URL, config.REDIS_KEY_PREFIX)
          : new MemoryThrottlerStorage(),
      }),
    }),
  ],
  providers: [CheckoutRateLimitGuard, CartCreationLimitGuard],
  exports: [CheckoutRateLimitGuard, CartCreationLimitGuard, ThrottlerModule],
})
export class RateLimitModule {}
