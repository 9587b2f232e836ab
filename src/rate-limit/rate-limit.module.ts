import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../common/config';
import { CHECKOUT_THROTTLER, CheckoutRateLimitGuard } from './checkout-rate-limit.guard';
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
          },
        ],
        storage: config.REDIS_URL
          ? new RedisThrottlerStorage(config.REDIS_URL, config.REDIS_KEY_PREFIX)
          : new MemoryThrottlerStorage(),
      }),
    }),
  ],
  providers: [CheckoutRateLimitGuard],
  exports: [CheckoutRateLimitGuard, ThrottlerModule],
})
export class RateLimitModule {}
