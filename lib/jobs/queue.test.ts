import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueue, expedite, maintainJobs, RetryLater, runDueJobs, startJobs, stopJobs, unfinishedJobs, work, type Job } from './queue';

// This file's own pg-boss schema: no other test file's jobs are run or counted here.
const SCHEMA = 'pgboss_queue_test';
let queueCounter = 0;
/** A fresh stately queue per test (stately like the sync queues). */
const freshQueue = () => `sync-queue-test-${Date.now().toString(36)}-${queueCounter++}` as const;

beforeAll(async () => {
  const began = performance.now();
  await startJobs({ schema: SCHEMA, pollIntervalMs: 100 });
  console.log(`pg-boss on ${inject('databaseKind')}: schema ${SCHEMA} created and started in ${Math.round(performance.now() - began)} ms`);
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

  it('never runs two jobs of one key at once, even with several workers and one queued behind a running one; other keys go on', async () => {
    const queue = freshQueue();
    const running = new Map<string, number>();
    let most = 0;
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await work<{ key: string }>(queue, { concurrency: 3 }, async (job) => {
      const { key } = job.data;
      running.set(key, (running.get(key) ?? 0) + 1);
      most = Math.max(most, running.get(key)!);
      runs.push(key);
      if (key === 'a') await gate;
      running.set(key, running.get(key)! - 1);
    });
    expect(await enqueue(queue, { key: 'a' }, { singletonKey: 'a' })).not.toBeNull();
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Running: one more may queue behind it, but it does not start while the first runs …
    expect(await enqueue(queue, { key: 'a' }, { singletonKey: 'a' })).not.toBeNull();
    expect(await enqueue(queue, { key: 'a' }, { singletonKey: 'a' })).toBeNull();
    // … and does not hold up another key's job.
    expect(await enqueue(queue, { key: 'b' }, { singletonKey: 'b' })).not.toBeNull();
    const until = Date.now() + 10_000;
    while (!runs.includes('b') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(runs).toEqual(['a', 'b']);
    release();
    const deadline = Date.now() + 20_000;
    while ((runs.length < 3 || (await unfinishedJobs(queue)).length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toEqual(['a', 'b', 'a']);
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

  it('figures: enqueue and run 200 small jobs', async () => {
    const queue = freshQueue();
    let began = performance.now();
    for (let i = 0; i < 200; i++) await enqueue(queue, { i }, { singletonKey: String(i) });
    const enqueueMs = performance.now() - began;
    began = performance.now();
    let seen = 0;
    expect(await runDueJobs(queue, async () => void seen++)).toBe(200);
    const runMs = performance.now() - began;
    expect(seen).toBe(200);
    console.log(`pg-boss on ${inject('databaseKind')}: enqueue ${Math.round(200_000 / enqueueMs)} jobs/s, fetch+run+complete ${Math.round(200_000 / runMs)} jobs/s (one at a time)`);
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
