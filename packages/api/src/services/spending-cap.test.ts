// Spending caps (SPEC §11) against a real PostgreSQL and the real job queue, with a fake
// Hopsworks over HTTPS: 50/80/100 % are each raised once even under 20 parallel ingestions, a
// `suspend` cap deactivates the account's people on their cluster and a higher cap brings them
// back, and bad caps are refused in a sentence, changing nothing.
import { startFakeHopsworks, type FakeHopsworks } from '@hops/fakes/hopsworks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import {
  callerAs,
  expectTrpcError,
  makeUser,
  testDeps,
  testJobs,
  userDay,
} from '../../test/helpers.ts';
import { SYSTEM_ACTOR } from '../actor.ts';
import { utcToday } from '../days.ts';
import { ingestUsage } from './usage/ingest.ts';
import { liftSpendingStops } from './spending-cap.ts';

const { db, url } = await useTestDatabase();
const deps = testDeps();
const { runJobs } = testJobs(db, url, deps);

let fake: FakeHopsworks;
let clusterId: string;
let admin: Awaited<ReturnType<typeof callerAs>>;
beforeAll(async () => {
  fake = await startFakeHopsworks();
  const chief = await makeUser(db, { isAdmin: true });
  admin = await callerAs(db, { userId: chief.id }, deps);
  clusterId = (
    await admin.clusters.create({
      name: 'cap-cluster',
      apiUrl: fake.url,
      apiKey: fake.apiKey,
      maxUsers: 100,
      caCertificate: fake.caCertificate,
    })
  ).id;
});
afterAll(() => fake.close());

const today = utcToday();
const firstOfMonth = `${today.slice(0, 8)}01`;

async function ingest(userId: string, date: string, cpuHours: string) {
  await inTransaction(db, (trx) =>
    ingestUsage(trx, SYSTEM_ACTOR, [userDay(userId, date, { cpuHours })]),
  );
}

/** What one user-day of `cpuHours` costs, measured on a throw-away account. */
async function costOf(cpuHours: string): Promise<number> {
  const probe = await makeUser(db);
  await ingest(probe.id, firstOfMonth, cpuHours);
  const row = await db
    .selectFrom('usageDaily')
    .select('totalCost')
    .where('userId', '=', probe.id)
    .executeTakeFirstOrThrow();
  return Number(row.totalCost);
}

const capEvents = async (ownerId: string) =>
  (
    await db
      .selectFrom('events')
      .select('payload')
      .where('kind', '=', 'account.spending_cap')
      .execute()
  )
    .map((e) => e.payload as { ownerId: string; threshold: number; suspended: boolean })
    .filter((p) => p.ownerId === ownerId);

describe('spending caps', () => {
  it('refuses a cap of 0, a negative cap or one with more than 2 decimals, changing nothing', async () => {
    const owner = await makeUser(db);
    const caller = await callerAs(db, { userId: owner.id }, deps);
    for (const bad of ['0', '-5', '10.005', 'ten']) {
      const message = await expectTrpcError(
        caller.account.setSpendingCap({ monthlyCapUsd: bad, policy: 'notify' }),
        'BAD_REQUEST',
      );
      expect(message).toMatch(/cap|dollars/i);
    }
    expect(await caller.account.spendingCap()).toMatchObject({ capUsd: null });
    const member = await makeUser(db, { owner: owner.id });
    const asMember = await callerAs(db, { userId: member.id }, deps);
    expect(
      await expectTrpcError(
        asMember.account.setSpendingCap({ monthlyCapUsd: '100', policy: 'notify' }),
        'BAD_REQUEST',
      ),
    ).toMatch(/ask your account's owner/);
  });

  it('raises 50, 80 and 100 % once each, even under 20 parallel ingestions', async () => {
    const unit = await costOf('10');
    expect(unit).toBeGreaterThan(0);
    const owner = await makeUser(db, { email: 'parallel@cap.test' });
    const members = await Promise.all(
      Array.from({ length: 19 }, () => makeUser(db, { owner: owner.id })),
    );
    const caller = await callerAs(db, { userId: owner.id }, deps);
    // 20 user-days of `unit` each: the cap is 95 % of them, so every threshold is crossed.
    const cap = (unit * 20 * 0.95).toFixed(2);
    await caller.account.setSpendingCap({ monthlyCapUsd: cap, policy: 'notify' });
    await Promise.all([owner, ...members].map((p) => ingest(p.id, firstOfMonth, '10')));
    const events = await capEvents(owner.id);
    expect(events.map((e) => e.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    expect(events.every((e) => !e.suspended)).toBe(true);
    const view = await caller.account.spendingCap();
    expect(view).toMatchObject({ capUsd: cap, crossed: [50, 80, 100], stopped: false });
    expect(view.percent).toBeGreaterThanOrEqual(100);
    // A re-sent day and more usage raise nothing new this month under this cap.
    await ingest(owner.id, firstOfMonth, '10');
    await ingest(members[0]!.id, firstOfMonth, '20');
    expect(await capEvents(owner.id)).toHaveLength(3);
  });

  it('suspend deactivates the account on its cluster, and a higher cap or the new month brings it back', async () => {
    const unit = await costOf('10');
    const owner = await makeUser(db, { email: 'stop@cap.test' });
    const member = await makeUser(db, { owner: owner.id, email: 'stop-member@cap.test' });
    await admin.clusters.assign({ userId: owner.id, clusterId });
    await runJobs();
    const status = (email: string) => fake.users.find((u) => u.email === email)?.status;
    expect([status('stop@cap.test'), status('stop-member@cap.test')]).toEqual([2, 2]);

    const caller = await callerAs(db, { userId: owner.id }, deps);
    await caller.account.setSpendingCap({
      monthlyCapUsd: (unit * 1.5).toFixed(2),
      policy: 'suspend',
    });
    await ingest(owner.id, firstOfMonth, '10');
    expect((await caller.account.spendingCap()).stopped).toBe(false);
    await ingest(member.id, firstOfMonth, '10');
    expect(await caller.account.spendingCap()).toMatchObject({
      stopped: true,
      crossed: [50, 80, 100],
    });
    expect((await capEvents(owner.id)).at(-1)).toMatchObject({ threshold: 100, suspended: true });
    await runJobs();
    expect([status('stop@cap.test'), status('stop-member@cap.test')]).toEqual([3, 3]);
    // The assignment stays.
    expect((await caller.clusters.mine())?.id).toBe(clusterId);

    // A higher cap lifts the stop.
    await caller.account.setSpendingCap({
      monthlyCapUsd: (unit * 10).toFixed(2),
      policy: 'suspend',
    });
    await runJobs();
    expect([status('stop@cap.test'), status('stop-member@cap.test')]).toEqual([2, 2]);

    // Stopped again under a lower cap; the turn of the month lifts it.
    await caller.account.setSpendingCap({
      monthlyCapUsd: (unit * 1.5).toFixed(2),
      policy: 'suspend',
    });
    expect((await caller.account.spendingCap()).stopped).toBe(true);
    await runJobs();
    expect(status('stop@cap.test')).toBe(3);
    const nextMonth = new Date(`${firstOfMonth}T00:00:00Z`);
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
    const lifted = await inTransaction(db, (trx) =>
      liftSpendingStops(trx, nextMonth.toISOString().slice(0, 10)),
    );
    expect(lifted).toBeGreaterThanOrEqual(1);
    await runJobs();
    expect([status('stop@cap.test'), status('stop-member@cap.test')]).toEqual([2, 2]);
  });
});
