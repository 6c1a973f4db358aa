import { describe, expect, it } from 'vitest';
import type { ClaimedJob, Message } from '../../src/store/types.js';
import { createHeldJobs } from '../../src/jobs/held-jobs.js';

const job = (messageId: string, leaseUntil = 1000): ClaimedJob => ({
  messageId,
  attempts: 1,
  leaseUntil,
  owner: 'worker_test',
  kind: 'send',
  message: { id: messageId } as Message,
});
const take = (jobs: ReturnType<typeof createHeldJobs>) => {
  const out: Array<[string, number]> = [];
  for (let next = jobs.next(); next; next = jobs.next()) out.push([next.messageId, next.leaseUntil]);
  return out;
};

describe('held jobs', () => {
  it('queues hand-offs and claimed rows in the order they came', () => {
    const jobs = createHeldJobs();
    jobs.push(job('a'));
    jobs.adopt([job('b'), job('c')]);
    jobs.push(job('d'));
    expect(jobs.waiting).toBe(4);
    expect(take(jobs)).toEqual([
      ['a', 1000],
      ['b', 1000],
      ['c', 1000],
      ['d', 1000],
    ]);
    expect(jobs.waiting).toBe(0);
  });

  it('replaces a waiting job claimed again in its place in line, with the new lease', () => {
    const jobs = createHeldJobs();
    jobs.adopt([job('a'), job('b')]);
    jobs.adopt([job('a', 2000), job('c')]);
    expect(take(jobs)).toEqual([
      ['a', 2000],
      ['b', 1000],
      ['c', 1000],
    ]);
  });

  it('drops a claim of a job that is running, until it is released', () => {
    const jobs = createHeldJobs();
    jobs.adopt([job('a')]);
    const running = jobs.next()!;
    jobs.adopt([job('a', 2000)]);
    expect(jobs.waiting).toBe(0);
    jobs.release(running);
    jobs.adopt([job('a', 3000)]);
    expect(take(jobs)).toEqual([['a', 3000]]);
  });

  it('holds a job run outside the line', () => {
    const jobs = createHeldJobs();
    jobs.hold(job('a'));
    jobs.adopt([job('a', 2000)]);
    expect(jobs.waiting).toBe(0);
  });

  it('lets go of the jobs it drains, so a later claim queues them again', () => {
    const jobs = createHeldJobs();
    jobs.push(job('a'));
    jobs.adopt([job('b')]);
    expect(jobs.drain().map((j) => j.messageId)).toEqual(['a', 'b']);
    expect(jobs.waiting).toBe(0);
    jobs.adopt([job('b', 2000)]);
    expect(take(jobs)).toEqual([['b', 2000]]);
  });
});
