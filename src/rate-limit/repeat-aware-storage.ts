import { ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/**
 * A throttle key may name the Idempotency-Key of its request after this separator: the hit is
 * then counted only the first time that key is seen within the window, so that a client retrying
 * a purchase is not counted again. Both storages below read it; the guard writes it.
 */
const REPEAT_SEPARATOR = '\u0000idempotency-key:';

export const withRepeatKey = (key: string, idempotencyKey: string) =>
  `${key}${REPEAT_SEPARATOR}${idempotencyKey}`;

function splitRepeat(key: string): [hitKey: string, repeatKey?: string] {
  const at = key.indexOf(REPEAT_SEPARATOR);
  return at < 0 ? [key] : [key.slice(0, at), `repeat:${key.slice(at + REPEAT_SEPARATOR.length)}`];
}

type Increment = ReturnType<ThrottlerStorageService['increment']>;

/** What a repeat answers: not counted, not blocked. */
const NOT_COUNTED = { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };

/** @nestjs/throttler's in-memory storage (one process), aware of repeated keys. */
export class MemoryThrottlerStorage extends ThrottlerStorageService {
  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Increment {
    const [hitKey, repeatKey] = splitRepeat(key);
    if (repeatKey) {
      const seen = await super.increment(repeatKey, ttl, Number.MAX_SAFE_INTEGER, 0, 'repeat');
      if (seen.totalHits > 1) return NOT_COUNTED;
    }
    return super.increment(hitKey, ttl, limit, blockDuration, throttlerName);
  }
}

/** The Lua script of the Redis storage, registered once so that each call sends its SHA1 only. */
interface ScriptedRedis extends Redis {
  throttle(...args: (string | number)[]): Promise<[number, number, number, number]>;
}

/**
 * @nest-lab/throttler-storage-redis, with two changes: its script runs by EVALSHA (the package
 * sends the whole script text with every EVAL), and the check for a repeated key runs in the
 * same script, so a checkout costs one round trip to Redis. Fails fast rather than queue while
 * Redis is away. (The repeat key and the hit keys hash to different slots: a single Redis.)
 */
export class RedisThrottlerStorage extends ThrottlerStorageRedisService {
  constructor(url: string, keyPrefix: string) {
    // Given a URL, the storage owns its client and disconnects it when the application closes.
    super(url, {
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      // The commands of the requests read in one turn of the event loop go out in one write.
      enableAutoPipelining: true,
    });
    this.redis.defineCommand('throttle', {
      numberOfKeys: 3,
      // ARGV[5] is '1' when KEYS[3] is the request's Idempotency-Key; a repeat answers { 0, 0, 0, 0 }.
      lua: `if ARGV[5] == '1' and not redis.call('SET', KEYS[3], 1, 'NX', 'PX', ARGV[2]) then
              return { 0, 0, 0, 0 }
            end
            ${this.scriptSrc}`,
    });
    this.redis.on('error', (error: Error) =>
      new Logger('RateLimit').debug(`Redis: ${error.message}`),
    );
  }

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Increment {
    const [hitKey, repeatKey] = splitRepeat(key);
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = await (
      this.redis as ScriptedRedis
    ).throttle(
      `{${hitKey}:${throttlerName}}:hits`,
      `{${hitKey}:${throttlerName}}:blocked`,
      repeatKey ?? `{${hitKey}:${throttlerName}}:hits`,
      throttlerName,
      ttl,
      limit,
      blockDuration,
      repeatKey ? '1' : '0',
    );
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
