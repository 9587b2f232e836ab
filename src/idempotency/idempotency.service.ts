import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import { anyOf, recordsOf } from '../common/database/list-parameters';
import { ValidationFailedError } from '../common/errors';
import { IdempotencyKeyReusedError } from './idempotency.errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Visible ASCII, as Stripe accepts; the OpenAPI document states the same pattern. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const KEY_LIFETIME_HOURS = 24;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** A request sent with an Idempotency-Key. */
export interface IdempotentRequest {
  key: string;
  /** Method and route, e.g. `POST /cart/:id/checkout`. */
  scope: string;
  /** SHA-256 of the scope, the path and the body: the same key must come with the same request. */
  requestHash: string;
}

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
 * How a request under a fresh claim ended, when it created no order (an order carries its claim,
 * and is its answer): a refusal to answer again, or an outcome not to keep (the key is given
 * back).
 */
export type KeyCompletion =
  { key: string; status: number; body: unknown } | { key: string; release: true };

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: IdempotentRequest | null;
  }
}

/**
 * The request's Idempotency-Key, validated and fingerprinted once per request (the rate limit
 * and the interceptor both ask); undefined when it has none. A malformed key is a 400.
 */
export function idempotentRequestOf(request: FastifyRequest): IdempotentRequest | undefined {
  if (request.idempotency !== undefined) return request.idempotency ?? undefined;
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) {
    request.idempotency = null;
    return undefined;
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ValidationFailedError([
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
      },
    ]);
  }
  const scope = `${request.method} ${request.routeOptions.url}`;
  const requestHash = createHash('sha256')
    .update(JSON.stringify([scope, request.url, request.body ?? null]))
    .digest('hex');
  request.idempotency = { key, scope, requestHash };
  return request.idempotency;
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
   * The statements that keep the refusals to answer again, and give back the keys whose outcome
   * is not kept; the caller runs them in the transaction that claimed the keys.
   */
  completionStatements(completions: KeyCompletion[]): RawBuilder<unknown>[] {
    const refusals = completions.filter((c) => !('release' in c));
    const released = completions.filter((c) => 'release' in c).map((c) => c.key);
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
