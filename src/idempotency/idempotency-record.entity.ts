import { OptionalProps } from '@mikro-orm/core';
import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { randomUUID } from 'node:crypto';

export enum IdempotencyState {
  InProgress = 'in_progress',
  Completed = 'completed',
}

/** What happened to one Idempotency-Key: who is running it, or the response to replay. */
@Entity({ tableName: 'idempotency_keys' })
export class IdempotencyRecord {
  [OptionalProps]?: 'claimId' | 'createdAt' | 'responseStatus' | 'responseBody';

  @PrimaryKey({ length: 255 })
  key: string;

  /**
   * Identifies this use of the key: written on the order the request creates (unique there),
   * so an order is never created twice, even when a crashed attempt is taken over.
   */
  @Property({ type: 'uuid', unique: 'idempotency_keys_claim_unique' })
  claimId: string = randomUUID();

  /** Method and route, e.g. `POST /cart/:id/checkout`. */
  @Property({ length: 100 })
  scope: string;

  /** SHA-256 of the scope, the path and the body. */
  @Property({ length: 64 })
  requestHash: string;

  @Enum({ items: () => IdempotencyState, nativeEnumName: 'idempotency_state' })
  state: IdempotencyState;

  /** An attempt in progress owns the key until then; after that it is presumed dead. */
  @Property({ type: 'datetime' })
  lockedUntil: Date;

  @Property({ type: 'integer', nullable: true })
  responseStatus?: number;

  @Property({ type: 'json', nullable: true })
  responseBody?: unknown;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', index: 'idempotency_keys_expires_at_index' })
  expiresAt: Date;
}
