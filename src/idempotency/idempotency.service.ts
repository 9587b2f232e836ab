import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { createHash, randomUUID } from 'node:crypto';
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
 * What a transaction keeps under a fresh claim: the claim of the order it created (the order
 * carries it, and is its answer), or a refusal to answer again. A key whose outcome is not kept
 * is not written at all, and can be used again.
 */
export interface KeyRecord {
  request: IdempotentRequest;
  claimId: string;
  response?: { status: number; body: unknown };
}

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

/** A key's record as `storedKeys` reads it. */
interface StoredKey {
  key: string;
  claimId: string;
  scope: string;
  requestHash: string;
  responseStatus: number | null;
  responseBody: unknown;
  expired: boolean;
}

/**
 * Idempotency keys with Stripe's semantics, kept in PostgreSQL so that they hold across
 * instances and restarts: the first request with a key runs and its response is stored; a repeat
 * of the same request gets that response again; another request with the same key is refused.
 *
 * Keys are read and written inside the caller's transaction, the one that writes the order: a
 * crash before the commit leaves neither the key nor the order, one after it leaves both. A
 * second transaction writing a key that is in flight waits on the key's unique index until the
 * first commits, finds it taken, and runs again to find the stored response.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly em: EntityManager) {}

  /**
   * What earlier requests left under the keys, as an expression of a larger statement (a JSON
   * array, read with `claimsOf`): the transaction reads them in the round trip that locks its
   * rows, and writes its own records with `recordStatement`.
   */
  storedKeys(requests: IdempotentRequest[]): RawBuilder<unknown> {
    return sql`
      (select coalesce(json_agg(k), '[]') from (
         select key, claim_id as "claimId", scope, request_hash as "requestHash",
                response_status as "responseStatus", response_body as "responseBody",
                expires_at <= now() as expired
           from idempotency_keys
          where key = any(${anyOf(requests.map((r) => r.key))})) k)`;
  }

  /**
   * What the transaction may do with each key, from what `storedKeys` read: a key never used (or
   * expired) is fresh, under a new claim id.
   */
  claimsOf(requests: IdempotentRequest[], json: unknown): Map<string, KeyClaim> {
    const stored = new Map((json as StoredKey[]).map((row) => [row.key, row]));
    return new Map(
      requests.map((request): [string, KeyClaim] => {
        const row = stored.get(request.key);
        if (!row || row.expired) return [request.key, { kind: 'fresh', claimId: randomUUID() }];
        if (row.scope !== request.scope || row.requestHash !== request.requestHash) {
          return [request.key, { kind: 'refused', error: new IdempotencyKeyReusedError() }];
        }
        return [
          request.key,
          row.responseStatus === null
            ? { kind: 'created', claimId: row.claimId }
            : {
                kind: 'replay',
                replay: new IdempotentReplay(row.responseStatus, row.responseBody),
              },
        ];
      }),
    );
  }

  /**
   * The statement that writes the records of fresh claims, in key order (so that two transactions
   * writing the same keys cannot deadlock), and returns the keys it wrote. One it did not write
   * was taken by a request that committed after the keys were read (on another instance: this
   * one runs a key's requests one after another); the caller then runs its batch again, and
   * finds that request's answer. An expired record is replaced.
   */
  recordStatement(records: KeyRecord[]): RawBuilder<unknown> {
    const rows = records.map(({ request, claimId, response }) => ({
      key: request.key,
      claim: claimId,
      scope: request.scope,
      hash: request.requestHash,
      status: response?.status ?? null,
      body: response?.body ?? null,
    }));
    return sql`
      insert into idempotency_keys
             (key, claim_id, scope, request_hash, response_status, response_body, expires_at)
      select key, claim, scope, hash, status, body,
             now() + ${sql.lit(`${KEY_LIFETIME_HOURS} hours`)}::interval
        from ${recordsOf(rows)}
          as t(key text, claim uuid, scope text, hash text, status int, body jsonb)
       order by key
      on conflict (key) do update
         set claim_id = excluded.claim_id, scope = excluded.scope,
             request_hash = excluded.request_hash, response_status = excluded.response_status,
             response_body = excluded.response_body, created_at = now(),
             expires_at = excluded.expires_at
       where idempotency_keys.expires_at <= now()
      returning key`;
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
