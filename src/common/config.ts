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
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

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

  /** Trust X-Forwarded-For from a load balancer in front: true, or its addresses/CIDRs. */
  @IsString()
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
