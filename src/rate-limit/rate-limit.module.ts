import { Logger, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../common/config';
import { CHECKOUT_THROTTLER, CheckoutRateLimitGuard } from './checkout-rate-limit.guard';

const WINDOW_MS = 60_000;

/** Redis for a limit shared by every instance; fail fast rather than queue while it is away. */
function redisStorage(url: string, keyPrefix: string): ThrottlerStorageRedisService {
  // Given a URL, the storage owns its client and disconnects it when the application closes.
  const storage = new ThrottlerStorageRedisService(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
  });
  storage.redis.on('error', (error: Error) =>
    new Logger('RateLimit').debug(`Redis: ${error.message}`),
  );
  return storage;
}

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
          ? redisStorage(config.REDIS_URL, config.REDIS_KEY_PREFIX)
          : undefined,
      }),
    }),
  ],
  providers: [CheckoutRateLimitGuard],
  exports: [CheckoutRateLimitGuard, ThrottlerModule],
})
export class RateLimitModule {}
