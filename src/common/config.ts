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

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** Names proxy-addr (Fastify's trustProxy) understands for whole address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TRUST_PROXY` as Fastify takes it: `false`, how many proxies are in front (a hop count: the
 * client is the address that many hops back in X-Forwarded-For), or the proxies' addresses/CIDRs.
 * Never a blanket `true`, which would let any client choose its own address by sending
 * X-Forwarded-For, and so escape the per-client checkout limit.
 */
export function parseTrustProxy(value: string): false | number | string[] | undefined {
  const text = value.trim();
  if (text === 'false') return false;
  if (/^\d{1,2}$/.test(text)) return Number(text) === 0 ? false : Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    if (PROXY_RANGE_NAMES.has(entry)) return true;
    const [address, bits, ...rest] = entry.split('/');
    if (rest.length > 0 || isIP(address) === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(address) === 4 ? 32 : 128;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
  });
  return valid && entries.length > 0 ? entries : undefined;
}

/** The environment the service reads, validated at boot. */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** PostgreSQL to use; when unset an embedded PostgreSQL is started with its data in DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
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

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Browser origins allowed to call the API cross-origin, comma-separated; none by default. */
  @IsString()
  CORS_ORIGINS = '';

  /** Longest time to receive a whole request, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
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
        'TRUST_PROXY must be false, the number of proxies in front (e.g. 1), or their ' +
        'addresses/CIDRs (comma-separated); true is refused, as it lets any client choose its address',
    },
  })
  TRUST_PROXY = 'false';

  /** Checkouts one client (IP address) may attempt per minute, across all instances; 0: no limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_CHECKOUT_PER_MINUTE = 60;

  /** Redis for the checkout limit, shared by every instance; when unset, each process counts alone. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of this service's keys in Redis, for a Redis server shared with others. */
  @IsString()
  REDIS_KEY_PREFIX = 'flash-store:';

  /** Batched writes (purchases; new carts) in flight at once in this process, per kind. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  BATCHES_IN_FLIGHT = 1;

  /** Writes that may wait for their batch in this process, per kind; past it, 503 OVERLOADED. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BATCH_QUEUE_LIMIT = 10_000;

  /**
   * Live-stock streams (GET /products/events) this instance holds at once; past it, 503 OVERLOADED
   * with Retry-After. Each costs about 10 KB and a file descriptor: the default takes the sale
   * day's 15,000 pages and stays well below a 20,000-descriptor process limit.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
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
