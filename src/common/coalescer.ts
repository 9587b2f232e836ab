import { Logger } from '@nestjs/common';
import { DriverException } from '@mikro-orm/core';
import { DomainError } from './errors';

export interface CoalescerOptions {
  /** Items served by one call of `serve` at most; a longer queue is served in several. */
  maxBatch: number;
  /** Calls of `serve` in flight at once. */
  maxInFlight: number;
  /** Items that may wait; past it, `submit` is refused at once with 503 OVERLOADED. */
  queueLimit: number;
  /** Called with the size of every batch served, e.g. for a metric. */
  onBatch?: (size: number) => void;
  /**
   * Answer a batch's items this many per turn of the event loop, rather than all at once (see
   * `settleInTurns`): for a queue whose batches hold no lock.
   */
  answersPerTurn?: number;
}

export class OverloadedError extends DomainError {
  constructor(queued: number) {
    super('OVERLOADED', `${queued} requests are already waiting; try again in a moment.`, {
      retryAfterSeconds: 1,
    });
  }
}

/** One item's outcome: its result, or the DomainError that refuses it alone. */
export type Outcome<Out> = Out | DomainError;

interface Pending<In, Out> {
  item: In;
  resolve: (result: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent writes: items submitted while a batch is in flight wait, and the next
 * call of `serve` takes them all, so N concurrent requests cost one transaction (and one commit)
 * rather than N. `serve` answers every item of its batch, in order, with a result or a
 * DomainError; if it throws, every item of the batch gets that error, except that a batch the
 * database refused for its data (SQLSTATE class 22 or 23: a bug above, never expected) is served
 * again in halves, so that the item at fault fails alone. The queue holds only requests in
 * flight, never state, and is bounded.
 */
export class Coalescer<In, Out> {
  private readonly logger = new Logger(Coalescer.name);
  private readonly queue: Pending<In, Out>[] = [];
  private inFlight = 0;

  constructor(
    private readonly serve: (batch: In[]) => Promise<Outcome<Out>[]>,
    private readonly options: CoalescerOptions,
  ) {}

  submit(item: In): Promise<Out> {
    if (this.queue.length >= this.options.queueLimit) {
      return Promise.reject(new OverloadedError(this.queue.length));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.run(batch).then(async (answer) => {
        // A queue answering in turns sends its next batch before its first answers; one
        // answering at once answers first.
        if (this.options.answersPerTurn === undefined) await answer();
        this.inFlight--;
        this.pump();
        if (this.options.answersPerTurn !== undefined) await answer();
      });
    }
  }

  /** Serves a batch; what it returns answers the batch's items. */
  private async run(batch: Pending<In, Out>[]): Promise<() => Promise<void>> {
    this.options.onBatch?.(batch.length);
    let outcomes: Outcome<Out>[];
    try {
      outcomes = await this.serve(batch.map((pending) => pending.item));
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        this.logger.warn(`A batch of ${batch.length} failed (${String(error)}); splitting it`);
        const half = Math.ceil(batch.length / 2);
        const first = await this.run(batch.slice(0, half));
        await first();
        return this.run(batch.slice(half));
      }
      return async () => {
        for (const pending of batch) pending.reject(error);
      };
    }
    return () => settleInTurns(batch, outcomes, this.options.answersPerTurn ?? batch.length);
  }
}

/**
 * Answers a batch's items `perTurn` at a time, yielding to the event loop between them, so that
 * database replies of other batches are not held back behind a whole batch of responses. A queue
 * whose batches hold row locks answers at once instead, so that no burst falls inside a lock.
 */
async function settleInTurns<In, Out>(
  batch: Pending<In, Out>[],
  outcomes: Outcome<Out>[],
  perTurn: number,
): Promise<void> {
  for (let i = 0; i < batch.length; i++) {
    if (i > 0 && i % perTurn === 0) await new Promise((resolve) => setImmediate(resolve));
    const outcome = outcomes[i];
    if (outcome instanceof DomainError) batch[i].reject(outcome);
    else batch[i].resolve(outcome);
  }
}

/** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), not the connection. */
const isDataError = (error: unknown): boolean =>
  error instanceof DriverException && /^2[23]/.test(error.sqlState ?? error.code ?? '');
