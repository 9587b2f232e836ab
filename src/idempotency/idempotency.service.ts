import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { createHash, randomUUID } from 'node:crypto';
import { AppConfig } from '../common/config';
import { DomainError } from '../common/errors';
import { IdempotencyRecord, IdempotencyState } from './idempotency-record.entity';

const KEY_LIFETIME_HOURS = 24;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** The right to run a request under an Idempotency-Key. */
export interface IdempotencyClaim {
  key: string;
  claimId: string;
  /** An earlier attempt with this key died; it may have committed its order already. */
  takeover: boolean;
}

export type BeginResult =
  { kind: 'run'; claim: IdempotencyClaim } | { kind: 'replay'; status: number; body: unknown };

export const fingerprint = (scope: string, url: string, body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify([scope, url, body ?? null]))
    .digest('hex');

/**
 * Idempotency keys with Stripe's semantics, kept in PostgreSQL so that they hold across
 * instances and restarts: the first request with a key runs and its response is stored; a
 * repeat with the same request gets that response again; a different request with the same key
 * is refused; a repeat while the first still runs is told to wait.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly leaseSeconds: number;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
    this.leaseSeconds = config.IDEMPOTENCY_LEASE_SECONDS;
  }

  async begin(key: string, scope: string, requestHash: string): Promise<BeginResult> {
    const em = this.em.fork();
    const now = new Date();
    const claimId = randomUUID();
    await em
      .createQueryBuilder(IdempotencyRecord)
      .insert({
        key,
        claimId,
        scope,
        requestHash,
        state: IdempotencyState.InProgress,
        lockedUntil: secondsFrom(now, this.leaseSeconds),
        expiresAt: secondsFrom(now, KEY_LIFETIME_HOURS * 3600),
      })
      .onConflict('key')
      .ignore()
      .execute();
    const record = await em.findOneOrFail(IdempotencyRecord, { key });
    if (record.claimId === claimId) {
      return { kind: 'run', claim: { key, claimId, takeover: false } };
    }
    if (record.expiresAt <= now) {
      await em.nativeDelete(IdempotencyRecord, { key, expiresAt: { $lte: now } });
      return this.begin(key, scope, requestHash);
    }
    if (record.scope !== scope || record.requestHash !== requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request.',
      );
    }
    if (record.state === IdempotencyState.Completed) {
      return { kind: 'replay', status: record.responseStatus!, body: record.responseBody };
    }
    if (record.lockedUntil > now) {
      throw new DomainError(
        'IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
        { retryAfterSeconds: 1 },
      );
    }
    // The attempt holding the key died: take its lease over, at most one taker wins.
    const taken = await em.nativeUpdate(
      IdempotencyRecord,
      { key, state: IdempotencyState.InProgress, lockedUntil: { $lte: now } },
      { lockedUntil: secondsFrom(now, this.leaseSeconds) },
    );
    if (taken === 0) return this.begin(key, scope, requestHash);
    return { kind: 'run', claim: { key, claimId: record.claimId, takeover: true } };
  }

  /** Stores the response to replay for this key. */
  async complete(claim: IdempotencyClaim, status: number, body: unknown): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        IdempotencyRecord,
        { key: claim.key, claimId: claim.claimId },
        { state: IdempotencyState.Completed, responseStatus: status, responseBody: body },
      );
  }

  /** Gives the key back when the outcome is worth retrying (a conflict, a server error). */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.em.fork().nativeDelete(IdempotencyRecord, {
      key: claim.key,
      claimId: claim.claimId,
      state: IdempotencyState.InProgress,
    });
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    await this.em
      .fork()
      .nativeDelete(IdempotencyRecord, { expiresAt: { $lte: new Date() } })
      .catch(() => undefined);
  }
}

const secondsFrom = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
