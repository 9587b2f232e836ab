import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { isIP } from 'node:net';
import { databaseUrlProblem } from './database/database-url';
import { ipv6Groups } from './ip-address';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
/** An integer variable within [min, max], given as text in the environment. */
const IntegerIn =
  (min: number, max: number): PropertyDecorator =>
  (target, key) => {
    // In the order stacked decorators run: bottom first.
    for (const decorate of [Max(max), Min(min), IsInt(), Transform(toInt)]) decorate(target, key);
  };
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** Names proxy-addr (Fastify's trustProxy) understands for whole address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** More proxies than this in front of one service is a mistake, or a way to trust the client. */
export const MAX_PROXY_HOPS = 5;

/** A CIDR as the first and last address it covers, in IPv6's space (IPv4 as IPv4-mapped). */
function rangeOf(address: string, bits?: number): [bigint, bigint] {
  const ipv4 = isIP(address) === 4;
  const groups = ipv6Groups(ipv4 ? `::ffff:${address}` : address) ?? [];
  const value = groups.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n);
  const size = 1n << BigInt(128 - (ipv4 ? 96 + (bits ?? 32) : (bits ?? 128)));
  const first = value - (value % size);
  return [first, first + size - 1n];
}

/** What no list of proxies may cover: every IPv4 client, or every global IPv6 one (2000::/3). */
const EVERYONE = [rangeOf('::ffff:0.0.0.0', 96), rangeOf('2000::', 3)];

/** Whether ranges, together, cover one of EVERYONE (as `0.0.0.0/1,128.0.0.0/1` does). */
function coversEveryone(ranges: [bigint, bigint][]): boolean {
  const merged: [bigint, bigint][] = [];
  for (const [first, last] of ranges.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const top = merged.at(-1);
    if (top && first <= top[1] + 1n) top[1] = top[1] > last ? top[1] : last;
    else merged.push([first, last]);
  }
  return EVERYONE.some(([first, last]) => merged.some(([a, b]) => a <= first && b >= last));
}

/**
 * `TRUST_PROXY` as Fastify takes it: `false`, how many proxies are in front (a hop count: the
 * client is the address that many hops back in X-Forwarded-For; at most MAX_PROXY_HOPS), or the
 * proxies' addresses/CIDRs. Never a blanket `true`, nor anything that amounts to it (ranges
 * covering every address, in any spelling: `0.0.0.0/0`, `::/0`, `::ffff:0:0/96`), which would let
 * any client choose its own address by sending X-Forwarded-For, and so escape the checkout limit.
 */
export function parseTrustProxy(value: string): false | number | string[] | undefined {
  const text = value.trim();
  if (text === 'false') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops === 0 ? false : hops <= MAX_PROXY_HOPS ? hops : undefined;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const ranges: [bigint, bigint][] = [];
  const valid = entries.every((entry) => {
    if (PROXY_RANGE_NAMES.has(entry)) return true;
    const [address, bits, ...rest] = entry.split('/');
    if (rest.length > 0 || isIP(address) === 0) return false;
    const max = isIP(address) === 4 ? 32 : 128;
    if (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max)) return false;
    ranges.push(rangeOf(address, bits === undefined ? undefined : Number(bits)));
    return true;
  });
  return valid && entries.length > 0 && !coversEveryone(ranges) ? entries : undefined;
}

/** The environment the service reads, validated at boot. */
export class AppConfig {
  @IntegerIn(0, 65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** PostgreSQL to use; when unset an embedded PostgreSQL is started with its data in DATA_DIR. */
  @IsOptional()
  @ValidateBy({
    name: 'databaseUrl',
    validator: {
      validate: (value) => typeof value === 'string' && databaseUrlProblem(value) === undefined,
      defaultMessage: (args) =>
        typeof args?.value === 'string'
          ? (databaseUrlProblem(args.value) ?? '')
          : 'DATABASE_URL must be a postgres:// URL',
    },
  })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  /** Folder of the built storefront, served at `/` when it exists. */
  @IsString()
  @MinLength(1)
  STOREFRONT_DIR = 'client/storefront/dist';

  /** Bearer token for the admin routes; when unset the admin routes refuse every request. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  @MaxLength(512)
  ADMIN_TOKEN?: string;

  @IntegerIn(1, 200)
  DB_POOL_SIZE = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Browser origins allowed to call the API cross-origin, comma-separated; none by default. */
  @IsString()
  CORS_ORIGINS = '';

  /** Longest time to receive a whole request, in milliseconds. */
  @IntegerIn(1000, 600_000)
  REQUEST_TIMEOUT_MS = 10_000;

  /**
   * Whom to believe about the client's address (X-Forwarded-For): `false`, the number of proxies
   * in front (e.g. `1` for one load balancer), or their addresses/CIDRs. See parseTrustProxy.
   */
  @IsString()
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value) => typeof value === 'string' && parseTrustProxy(value) !== undefined,
      defaultMessage: () =>
        `TRUST_PROXY must be false, the number of proxies in front (1 to ${MAX_PROXY_HOPS}), or ` +
        'their addresses/CIDRs (comma-separated); true, larger counts and ranges covering every ' +
        'address (0.0.0.0/0, ::/0, ::ffff:0:0/96) are refused, as they let any client choose its address',
    },
  })
  TRUST_PROXY = 'false';

  /** Checkouts one client (IP address) may attempt per minute, across all instances; 0: no limit. */
  @IntegerIn(0, 1_000_000)
  RATE_LIMIT_CHECKOUT_PER_MINUTE = 60;

  /**
   * New carts one client (as the checkout limit tells clients apart) may create per minute, across
   * all instances when REDIS_URL is set; 0: no limit.
   */
  @IntegerIn(0, 1_000_000)
  RATE_LIMIT_CARTS_PER_MINUTE = 60;

  /**
   * Open carts not changed for this many hours are deleted by a periodic sweep; carts checked out
   * stay, as their orders refer to them.
   */
  @IntegerIn(1, 100_000)
  CART_RETENTION_HOURS = 72;

  /**
   * The checkout limit counts an IPv6 client by its network of this many bits: a host commonly
   * holds a whole /64, and would otherwise get a budget per address.
   */
  @IntegerIn(32, 128)
  RATE_LIMIT_IPV6_PREFIX = 64;

  /** Redis for the checkout limit, shared by every instance; when unset, each process counts alone. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of this service's keys in Redis, for a Redis server shared with others. */
  @IsString()
  REDIS_KEY_PREFIX = 'flash-store:';

  /** Batched writes (purchases; new carts) in flight at once in this process, per kind. */
  @IntegerIn(1, 16)
  BATCHES_IN_FLIGHT = 1;

  /** Writes that may wait for their batch in this process, per kind; past it, 503 OVERLOADED. */
  @IntegerIn(1, 1_000_000)
  BATCH_QUEUE_LIMIT = 10_000;

  /**
   * Live-stock streams (GET /products/events) this instance holds at once; past it, 503 OVERLOADED
   * with Retry-After. Each costs about 10 KB and a file descriptor: the default takes the sale
   * day's 15,000 pages and stays well below a 20,000-descriptor process limit.
   */
  @IntegerIn(1, 1_000_000)
  EVENT_STREAMS_MAX = 16_000;

  /** Apply pending migrations at start-up (instances wait for each other on an advisory lock). */
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'MIGRATE_ON_START must be true or false' })
  MIGRATE_ON_START = true;

  /** Seed a small demo catalogue when the products table is empty. */
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'SEED_DEMO_DATA must be true or false' })
  SEED_DEMO_DATA = true;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat('DATABASE_URL', 'ADMIN_TOKEN', 'REDIS_URL');
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''),
  );
  const config = plainToInstance(AppConfig, present);
  const errors = validateSync(config);
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return config;
}
