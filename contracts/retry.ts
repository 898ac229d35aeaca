import { z } from 'zod';
import { isProgrammerError, WeirError } from './errors.js';

/** How a failing step is retried: exponential backoff with jitter, as in the topology's `retry` block. */
export const retryPolicySchema = z
  .object({
    retries: z.number().int().min(0).default(5).describe('Attempts after the first one.'),
    initialRetryTime: z.number().int().positive().default(100).describe('First backoff, ms.'),
    maxRetryTime: z.number().int().positive().default(10_000).describe('Longest backoff, ms.'),
    factor: z.number().min(0).max(1).default(0.2).describe('Random jitter, as a fraction of the backoff.'),
    multiplier: z.number().min(1).default(2).describe('Growth of the backoff per attempt.'),
  })
  .strict();

export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxRetryTime, policy.initialRetryTime * policy.multiplier ** attempt);
  const jitter = base * policy.factor * (random() * 2 - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** Errors a retry could help with: not programmer errors, and not Weir errors marked non-retriable. */
export function isRetriable(error: unknown): boolean {
  if (isProgrammerError(error)) return false;
  if (error instanceof WeirError) return error.retriable;
  return true;
}

export interface RetryHooks {
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  shouldRetry?: (error: unknown) => boolean;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `step` until it succeeds, the policy is exhausted or the error is not worth retrying. */
export async function retry<T>(step: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const shouldRetry = hooks.shouldRetry ?? isRetriable;
  const sleep = hooks.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await step(attempt);
    } catch (error) {
      if (attempt >= policy.retries || !shouldRetry(error)) throw error;
      const delay = backoffMs(policy, attempt);
      hooks.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
