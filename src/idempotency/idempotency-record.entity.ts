import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { randomUUID } from 'node:crypto';

/**
 * One Idempotency-Key and the response to replay for it. A record is written in the same
 * transaction as the order it protects, so it exists exactly when that transaction committed.
 */
@Entity({ tableName: 'idempotency_keys' })
export class IdempotencyRecord {
  [OptionalProps]?: 'claimId' | 'createdAt' | 'responseStatus' | 'responseBody';

  @PrimaryKey({ length: 255 })
  key: string;

  /** Identifies this use of the key; written on the order it created (unique there). */
  @Property({ type: 'uuid', unique: 'idempotency_keys_claim_unique' })
  claimId: string = randomUUID();

  /** Method and route, e.g. `POST /cart/:id/checkout`. */
  @Property({ length: 100 })
  scope: string;

  /** SHA-256 of the scope, the path and the body. */
  @Property({ length: 64 })
  requestHash: string;

  @Property({ type: 'integer', nullable: true })
  responseStatus?: number;

  @Property({ type: 'json', nullable: true })
  responseBody?: unknown;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', index: 'idempotency_keys_expires_at_index' })
  expiresAt: Date;
}
