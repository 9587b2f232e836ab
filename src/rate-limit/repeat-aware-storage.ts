import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/** What the limit answers to one checkout attempt. */
export interface Verdict {
  /** A true replay of a purchase let through earlier: not counted, never refused. */
  replay: boolean;
  blocked: boolean;
  retryAfterSeconds: number;
}

/**
 * Where the checkout limit counts: one sliding-window counter per client, and a marker per
 * purchase it let through that succeeded, so that a true replay of it (same client, same
 * request, same key) is not counted again. The marker is written only after the answer, never
 * for a refused attempt, so a refused attempt's key buys nothing on a retry.
 */
export interface CheckoutLimitStorage extends ThrottlerStorage {
  /** Counts an attempt of `client`, unless `marker` names a true replay. */
  attempt(
    client: string,
    marker: string | undefined,
    windowMs: number,
    limit: number,
  ): Promise<Verdict>;
  /** Remembers, for one window, that the request `marker` of `client` went through. */
  rememberSuccess(client: string, marker: string, windowMs: number): void;
}

type Increment = ReturnType<ThrottlerStorage['increment']>;

/**
 * A sliding-window counter: the attempts of the current fixed window plus those of the previous
 * one, weighted by how much of it is still within the last `windowMs` (Cloudflare's estimate).
 * Two integers per client, and no boundary at which a client may spend two budgets in a row.
 * Every attempt counts, refused ones too, so a client that keeps hammering stays refused.
 */
export function judge(
  previous: number,
  current: number,
  elapsedMs: number,
  windowMs: number,
  limit: number,
): Verdict {
  const estimate = previous * (1 - elapsedMs / windowMs) + current;
  if (estimate <= limit) return { replay: false, blocked: false, retryAfterSeconds: 0 };
  // When the attempts so far will weigh at most limit - 1, so that one more fits.
  const room = limit - 1;
  const waitMs =
    current <= room && previous > 0
      ? windowMs * (1 - (room - current) / previous) - elapsedMs
      : windowMs - elapsedMs + windowMs * (1 - room / current);
  return { replay: false, blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/** A verdict in the form of ThrottlerStorage's contract; the guard itself calls attempt(). */
const asIncrement = ({ blocked, retryAfterSeconds }: Verdict): Awaited<Increment> => ({
  totalHits: 0,
  timeToExpire: 0,
  isBlocked: blocked,
  timeToBlockExpire: retryAfterSeconds,
});

const NOT_COUNTED: Verdict = { replay: true, blocked: false, retryAfterSeconds: 0 };

/** A client's counter: which fixed window `current` belongs to, and the counts. */
class Counter {
  constructor(
    public window: number,
    public previous: number,
    public current: number,
  ) {}
}

/** Markers kept at most, oldest forgotten first; a forgotten replay is merely counted. */
const MAX_MARKERS = 100_000;

/**
 * The limit in this process. Its cost is bounded and flat: per tracked client one Map entry, its
 * key (`checkout:` and the address) and a Counter of three numbers, about 240 bytes; per
 * remembered success one Map entry of a 22-character marker and its expiry, about 150 bytes, at
 * most MAX_MARKERS of them (15 MB). Clients idle for two windows are dropped, once per window.
 */
export class MemoryThrottlerStorage implements CheckoutLimitStorage {
  private readonly counters = new Map<string, Counter>();
  /** Marker -> expiry (ms). Insertion order is expiry order: every marker lives one window. */
  private readonly markers = new Map<string, number>();
  private lastSweep = Date.now();

  async attempt(
    client: string,
    marker: string | undefined,
    windowMs: number,
    limit: number,
  ): Promise<Verdict> {
    const now = Date.now();
    if (marker !== undefined && (this.markers.get(marker) ?? 0) > now) return NOT_COUNTED;
    const window = Math.floor(now / windowMs);
    if (now - this.lastSweep >= windowMs) this.sweep(now, window);
    let counter = this.counters.get(client);
    if (!counter) {
      counter = new Counter(window, 0, 0);
      this.counters.set(client, counter);
    } else if (counter.window !== window) {
      counter.previous = counter.window === window - 1 ? counter.current : 0;
      counter.current = 0;
      counter.window = window;
    }
    counter.current++;
    return judge(counter.previous, counter.current, now - window * windowMs, windowMs, limit);
  }

  rememberSuccess(_client: string, marker: string, windowMs: number): void {
    const now = Date.now();
    this.markers.delete(marker);
    this.markers.set(marker, now + windowMs);
    for (const [oldest, expiry] of this.markers) {
      if (expiry > now && this.markers.size <= MAX_MARKERS) break;
      this.markers.delete(oldest);
    }
  }

  async increment(key: string, ttl: number, limit: number): Increment {
    return asIncrement(await this.attempt(key, undefined, ttl, limit));
  }

  private sweep(now: number, window: number): void {
    this.lastSweep = now;
    for (const [client, counter] of this.counters) {
      if (counter.window < window - 1) this.counters.delete(client);
    }
    for (const [marker, expiry] of this.markers) {
      if (expiry > now) break;
      this.markers.delete(marker);
    }
  }
}

/** The Lua script, registered once so that each call sends its SHA1 only. */
interface ScriptedRedis extends Redis {
  checkoutAttempt(...args: (string | number)[]): Promise<[number, number, number, number]>;
}

/**
 * The same counter and markers in Redis, shared by every instance, in one round trip per
 * attempt: a script reads the marker and counts atomically, on Redis's clock. A client's counter
 * and markers share a hash tag (one slot). Fails fast rather than queue while Redis is away.
 */
const ATTEMPT_SCRIPT = `
  if ARGV[2] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return { 1, 0, 0, 0 } end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local size = tonumber(ARGV[1])
  local window = math.floor(now / size)
  local state = redis.call('HMGET', KEYS[1], 'w', 'p', 'c')
  local w, p, c = tonumber(state[1]), tonumber(state[2]) or 0, tonumber(state[3]) or 0
  if w == window - 1 then p, c = c, 0 elseif w ~= window then p, c = 0, 0 end
  c = c + 1
  redis.call('HSET', KEYS[1], 'w', window, 'p', p, 'c', c)
  redis.call('PEXPIRE', KEYS[1], size * 2)
  return { 0, p, c, now - window * size }`;

export class RedisThrottlerStorage implements CheckoutLimitStorage, OnModuleDestroy {
  private readonly redis: ScriptedRedis;

  constructor(url: string, keyPrefix: string) {
    this.redis = new Redis(url, {
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      // The commands of the requests read in one turn of the event loop go out in one write.
      enableAutoPipelining: true,
    }) as ScriptedRedis;
    // KEYS[1]: the client's counter; KEYS[2]: the marker, when ARGV[2] is '1'.
    this.redis.defineCommand('checkoutAttempt', { numberOfKeys: 2, lua: ATTEMPT_SCRIPT });
    this.redis.on('error', (error: Error) =>
      new Logger('RateLimit').debug(`Redis: ${error.message}`),
    );
  }

  async attempt(
    client: string,
    marker: string | undefined,
    windowMs: number,
    limit: number,
  ): Promise<Verdict> {
    const counter = `{${client}}:count`;
    const [replay, previous, current, elapsedMs] = await this.redis.checkoutAttempt(
      counter,
      marker === undefined ? counter : `{${client}}:ok:${marker}`,
      windowMs,
      marker === undefined ? '0' : '1',
    );
    if (replay === 1) return NOT_COUNTED;
    return judge(previous, current, elapsedMs, windowMs, limit);
  }

  rememberSuccess(client: string, marker: string, windowMs: number): void {
    this.redis.set(`{${client}}:ok:${marker}`, '1', 'PX', windowMs).catch(() => undefined);
  }

  async increment(key: string, ttl: number, limit: number): Increment {
    return asIncrement(await this.attempt(key, undefined, ttl, limit));
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }
}
