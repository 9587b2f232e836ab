import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import { anyOf, recordsOf } from '../common/database/list-parameters';
import { DomainError, type ErrorCode } from '../common/errors';
import { toProblem } from '../common/problem-details';
import { IdempotencyKeyReusedError } from './idempotency.errors';
import type { IdempotentRequest } from './idempotent-request';

const KEY_LIFETIME_HOURS = 24;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** The response stored for a key, answered again to a repeat of its request. */
export class IdempotentReplay {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * What a transaction may do with a key: run the request under `claimId`; answer the stored
 * response; answer with the order that an earlier request created under `claimId` (an order
 * carries its claim, so a created order is never stored twice); or refuse a reused key.
 */
export type KeyClaim =
  | { kind: 'fresh'; claimId: string }
  | { kind: 'replay'; replay: IdempotentReplay }
  | { kind: 'created'; claimId: string }
  | { kind: 'refused'; error: IdempotencyKeyReusedError };

/**
 * Refusals decided by the request itself, kept under its key and answered again to a retry.
 * Others give the key back, to be used again: a stale expectedVersion (the purchase did not
 * really run), and a sale not started yet (the same request may succeed once it starts).
 */
const KEPT_REFUSALS = new Set<ErrorCode>([
  'NOT_FOUND',
  'OUT_OF_STOCK',
  'SALE_ENDED',
  'EMAIL_REQUIRED',
  'PURCHASE_LIMIT_REACHED',
  'CART_CHECKED_OUT',
  'CART_EMPTY',
  'CURRENCY_MISMATCH',
  'ORDER_TOTAL_TOO_LARGE',
]);

/** How one request of a transaction ended: its key, when it had one, and its outcome. */
export interface KeyedOutcome {
  key: string | undefined;
  outcome: unknown;
}

/**
 * Idempotency keys with Stripe's semantics, kept in PostgreSQL so that they hold across
 * instances and restarts: the first request with a key runs and its response is stored; a repeat
 * of the same request gets that response again; another request with the same key is refused.
 *
 * Keys are claimed and completed inside the caller's transaction, the one that writes the order:
 * a crash before the commit leaves neither the key nor the order, one after it leaves both. A
 * second transaction claiming a key that is in flight waits on the key's unique index until the
 * first commits, and then finds the stored response.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  /** Requests per key in flight in this process. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly em: EntityManager) {}

  /**
   * Claims each key for this transaction, or reads what an earlier request left under it. Keys
   * are inserted in key order, so that two transactions claiming the same keys cannot deadlock.
   */
  async claim(em: EntityManager, requests: IdempotentRequest[]): Promise<Map<string, KeyClaim>> {
    const db = em.getKysely();
    const { rows: claimed } = await sql<{ key: string; claim_id: string }>`
      insert into idempotency_keys (key, claim_id, scope, request_hash, expires_at)
      select key, gen_random_uuid(), scope, "requestHash", now() + ${sql.lit(`${KEY_LIFETIME_HOURS} hours`)}::interval
        from ${recordsOf(requests)}
          as t(key text, scope text, "requestHash" text)
       order by key
      on conflict (key) do update
         set claim_id = excluded.claim_id, scope = excluded.scope,
             request_hash = excluded.request_hash, response_status = null, response_body = null,
             created_at = now(), expires_at = excluded.expires_at
       where idempotency_keys.expires_at <= now()
      returning key, claim_id`.execute(db);
    const claims = new Map<string, KeyClaim>(
      claimed.map((row) => [row.key, { kind: 'fresh', claimId: row.claim_id }]),
    );
    const taken = requests.filter((r) => !claims.has(r.key));
    if (taken.length === 0) return claims;
    const { rows: stored } = await sql<{
      key: string;
      claim_id: string;
      scope: string;
      request_hash: string;
      response_status: number | null;
      response_body: unknown;
    }>`
      select key, claim_id, scope, request_hash, response_status, response_body
        from idempotency_keys
       where key = any(${anyOf(taken.map((r) => r.key))})`.execute(db);
    const byKey = new Map(stored.map((row) => [row.key, row]));
    for (const request of taken) {
      const row = byKey.get(request.key);
      const same = row?.scope === request.scope && row.request_hash === request.requestHash;
      claims.set(
        request.key,
        !row || !same
          ? { kind: 'refused', error: new IdempotencyKeyReusedError() }
          : row.response_status === null
            ? { kind: 'created', claimId: row.claim_id }
            : {
                kind: 'replay',
                replay: new IdempotentReplay(row.response_status, row.response_body),
              },
      );
    }
    return claims;
  }

  /**
   * The statements that complete the keys claimed fresh by a transaction, given how each request
   * ended; the caller runs them in that transaction. A created order needs nothing more (it
   * carries its claim, and is its answer); a kept refusal is stored to be answered again; any
   * other refusal gives the key back.
   */
  completionStatements(
    claims: Map<string, KeyClaim>,
    outcomes: KeyedOutcome[],
  ): RawBuilder<unknown>[] {
    const refusals: { key: string; status: number; body: unknown }[] = [];
    const released: string[] = [];
    for (const { key, outcome } of outcomes) {
      if (!key || claims.get(key)?.kind !== 'fresh' || !(outcome instanceof DomainError)) continue;
      if (KEPT_REFUSALS.has(outcome.code)) {
        const problem = toProblem(outcome);
        refusals.push({ key, status: problem.status, body: problem });
      } else {
        released.push(key);
      }
    }
    return [
      ...(refusals.length === 0
        ? []
        : [
            sql`
              update idempotency_keys k set response_status = r.status, response_body = r.body
                from ${recordsOf(refusals)}
                  as r(key text, status int, body jsonb)
               where k.key = r.key`,
          ]),
      ...(released.length === 0
        ? []
        : [sql`delete from idempotency_keys where key = any(${anyOf(released)})`]),
    ];
  }

  /**
   * Runs `start` once every earlier request with the same key in this process has settled, so
   * that a repeat sent while the first is in flight gets the first one's answer.
   */
  async oneAtATime<T>(key: string | undefined, start: () => Promise<T>): Promise<T> {
    if (!key) return start();
    for (let earlier = this.inFlight.get(key); earlier; earlier = this.inFlight.get(key)) {
      await earlier.catch(() => undefined);
    }
    const result = start();
    this.inFlight.set(key, result);
    const forget = () => {
      if (this.inFlight.get(key) === result) this.inFlight.delete(key);
    };
    result.then(forget, forget);
    return result;
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
      .getConnection()
      .execute('delete from idempotency_keys where expires_at <= now()')
      .catch(() => undefined);
  }
}
