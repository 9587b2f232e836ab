import { DeadlockException, OptimisticLockError } from '@mikro-orm/core';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const CONFLICT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 2, maxDelayMs: 100 };

/** A write lost a race that is worth running again: a stale version, or a deadlock. */
export const isRetryableConflict = (error: unknown): boolean =>
  error instanceof OptimisticLockError || error instanceof DeadlockException;

/**
 * Runs `work` again when it loses a race, with exponential backoff and full jitter so that the
 * losers do not collide again in step. The last conflict is rethrown when the attempts run out.
 */
export async function retryOnConflict<T>(
  work: () => Promise<T>,
  policy: RetryPolicy = CONFLICT_RETRY,
  onRetry?: (attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableConflict(error) || attempt >= policy.attempts) throw error;
      onRetry?.(attempt);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      await sleep(Math.random() * ceiling);
    }
  }
}
