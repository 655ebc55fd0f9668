import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueue, expedite, maintainJobs, RetryLater, runDueJobs, startJobs, stopJobs, unfinishedJobs, work, type Job } from './queue';

// This file's own pg-boss schema: no other test file's jobs are run or counted here.
const SCHEMA = 'pgboss_queue_test';
let queueCounter = 0;
/** A fresh stately queue per test (stately like the sync queues). */
const freshQueue = () => `sync-queue-test-${Date.now().toString(36)}-${queueCounter++}` as const;

beforeAll(async () => {
  await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
});
afterAll(async () => {
  await stopJobs();
});

describe(`the job queue (pg-boss) on ${inject('databaseKind')}`, () => {
  it('runs a queued job once with its data, and a stately queue holds one queued job per key however often it is asked', async () => {
    const queue = freshQueue();
    const ids = await Promise.all(Array.from({ length: 20 }, () => enqueue(queue, { connectionId: 7 }, { singletonKey: '7' })));
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    expect(await enqueue(queue, { connectionId: 8 }, { singletonKey: '8' })).not.toBeNull();
    const seen: unknown[] = [];
    expect(await runDueJobs<{ connectionId: number }>(queue, async (job) => void seen.push(job.data.connectionId))).toBe(2);
    expect(seen.sort()).toEqual([7, 8]);
    expect(await unfinishedJobs(queue)).toEqual([]);
    expect(await runDueJobs(queue, async () => undefined)).toBe(0);
  });

  it('never runs two jobs of one key at once, even with several workers and one queued behind a running one', async () => {
    const queue = freshQueue();
    let running = 0;
    let most = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await work(queue, { concurrency: 3 }, async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await gate;
      running--;
    });
    expect(await enqueue(queue, {}, { singletonKey: 'a' })).not.toBeNull();
    while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Running: one more may queue behind it, but it does not start while the first runs.
    expect(await enqueue(queue, {}, { singletonKey: 'a' })).not.toBeNull();
    expect(await enqueue(queue, {}, { singletonKey: 'a' })).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(runs).toBe(1);
    release();
    const deadline = Date.now() + 20_000;
    while ((runs < 2 || (await unfinishedJobs(queue)).length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });

  it('retries a failed job after a backoff, and a RetryLater after its delay without counting an attempt', async () => {
    const queue = freshQueue();
    await enqueue(queue, {}, { singletonKey: 'f', retryLimit: 3, retryDelaySeconds: 40, retryBackoff: true });
    expect(await runDueJobs(queue, async () => { throw new Error('the provider broke'); })).toBe(1);
    const [failed] = await unfinishedJobs(queue);
    expect(failed).toMatchObject({ state: 'retry', retryCount: 0 });
    const wait = failed!.startAfter.getTime() - Date.now();
    expect(wait).toBeGreaterThan(30_000);
    expect(await runDueJobs(queue, async () => undefined)).toBe(0); // backing off

    expect(await expedite(queue, 'f')).toBe(true);
    const counts: number[] = [];
    expect(await runDueJobs(queue, async (job) => {
      counts.push(job.retryCount);
      throw new RetryLater(1_500);
    })).toBe(1);
    const [later] = await unfinishedJobs(queue);
    expect(later!.state).toBe('retry');
    expect(later!.startAfter.getTime() - Date.now()).toBeGreaterThan(500);
    expect(later!.startAfter.getTime() - Date.now()).toBeLessThan(2_500);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await runDueJobs(queue, async (job) => void counts.push(job.retryCount))).toBe(1);
    expect(counts).toEqual([1, 1]); // the RetryLater was not counted
    expect(await unfinishedJobs(queue)).toEqual([]);
  });

  it('gives up after the retry limit', async () => {
    const queue = freshQueue();
    await enqueue(queue, {}, { retryLimit: 1, retryDelaySeconds: 1, retryBackoff: false });
    const fail = async () => { throw new Error('no'); };
    expect(await runDueJobs(queue, fail)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await runDueJobs(queue, fail)).toBe(1);
    expect(await unfinishedJobs(queue)).toEqual([]);
  });

  it('stopping hands a running job back, due at once; a restart runs it', async () => {
    const queue = freshQueue();
    let started = 0;
    await work(queue, { concurrency: 1 }, async (job: Job<unknown>) => {
      started++;
      await new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)));
    });
    await enqueue(queue, { step: 1 }, { singletonKey: 'r' });
    while (started === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await stopJobs();
    const [back] = await unfinishedJobs(queue);
    expect(back).toMatchObject({ state: 'retry', retryCount: 0, data: { step: 1 } });
    expect(back!.startAfter.getTime()).toBeLessThanOrEqual(Date.now() + 50);

    await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
    expect(await runDueJobs(queue, async () => undefined)).toBe(1);
    expect(await unfinishedJobs(queue)).toEqual([]);
  });

  it('a run whose claim ran out loses it: renew() says so once another run has taken the job', async () => {
    const queue = freshQueue();
    await enqueue(queue, {}, { singletonKey: 'x', expireInSeconds: 1, retryDelaySeconds: 0, retryBackoff: false });
    let first: Job<unknown> | undefined;
    const stuck = runDueJobs(queue, async (job) => {
      first = job;
      expect(await job.renew()).toBe(true);
      // Abandoned (as by a dead process): its claim runs out and maintenance gives the job back.
      await new Promise((resolve) => setTimeout(resolve, 1_300));
    });
    while (!first) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await maintainJobs();
    expect(await unfinishedJobs(queue)).toMatchObject([{ state: 'retry' }]);
    let second: Job<unknown> | undefined;
    expect(await runDueJobs(queue, async (job) => void (second = job))).toBe(1);
    expect(second!.retryCount).toBe(1);
    expect(await first.renew()).toBe(false);
    await stuck;
  });
});
