// The product's jobs: the usage reporter runs as a queue job against the fake Stripe, its crontab
// line follows STRIPE_REPORT_INTERVAL_MS, and with Stripe off nothing is scheduled.
import { parseCronItems } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser, recordingLogger, testDeps, userDay } from '../../test/helpers.ts';
import { startStripeWorld } from '../../test/stripe.ts';
import { utcToday } from '../days.ts';
import { ingestUsage } from '../services/usage/ingest.ts';
import { enqueue } from './queue.ts';
import { runJobsOnce } from './runner.ts';
import { cronEvery, productJobs } from './tasks.ts';

const { db, url } = await useTestDatabase();
const world = await startStripeWorld();
afterAll(() => world.close());
const { secrets, publicUrl } = testDeps();

describe('billing.reportUsage', () => {
  it('reports the changed days when the queue runs it', async () => {
    const owner = await makeUser(db);
    const customer = await world.stripe.createCustomer({ ownerId: owner.id }, `c-${owner.id}`);
    await db
      .insertInto('billingAccounts')
      .values({
        ownerId: owner.id,
        stripeCustomerId: customer.id,
        stripeSubscriptionId: 'sub_job',
        subscriptionStatus: 'active',
      })
      .execute();
    await db.transaction().execute(async (trx) => {
      await ingestUsage(
        trx,
        { userId: null, via: 'service', isAdmin: false, label: 'service:test' },
        [userDay(owner.id, utcToday(), { cpuHours: '3' })],
      );
      await enqueue(trx, 'billing.reportUsage', {}, { jobKey: 'billing:report-usage' });
    });
    const log = recordingLogger();
    const { tasks } = productJobs({ db, log, stripe: world.stripe, secrets, publicUrl });
    await runJobsOnce({ connectionString: url, tasks, log });
    const stored = await db
      .selectFrom('usageDaily')
      .select(sql<string>`(total_cost * 10000)::bigint::text`.as('units'))
      .where('userId', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(world.fake.meterEvents).toMatchObject([
      { payload: { stripe_customer_id: customer.id, value: stored.units } },
    ]);
  });

  it('is on the crontab only with Stripe on, every STRIPE_REPORT_INTERVAL_MS', () => {
    const log = recordingLogger();
    const reporting = (entries: { task: string }[]) =>
      entries.filter((c) => c.task === 'billing.reportUsage');
    expect(reporting(productJobs({ db, log, secrets, publicUrl }).crontab)).toEqual([]);
    const { crontab } = productJobs({
      db,
      log,
      stripe: world.stripe,
      stripeReportIntervalMs: 600_000,
      secrets,
      publicUrl,
    });
    expect(reporting(crontab)).toMatchObject([
      { task: 'billing.reportUsage', match: '*/10 * * * *' },
    ]);
    // The spending stops are lifted daily whether Stripe is on or not.
    expect(crontab.map((c) => c.task)).toContain('account.liftSpendingStops');
    expect(() => parseCronItems(crontab.map((c) => ({ ...c })))).not.toThrow();
  });

  it('maps intervals onto what a per-minute crontab can express', () => {
    expect(cronEvery(3_600_000)).toBe('0 * * * *');
    expect(cronEvery(600_000)).toBe('*/10 * * * *');
    expect(cronEvery(45 * 60_000)).toBe('*/30 * * * *');
    expect(cronEvery(1_000)).toBe('* * * * *');
    expect(cronEvery(6 * 3_600_000)).toBe('0 */6 * * *');
    expect(cronEvery(5 * 3_600_000)).toBe('0 */4 * * *');
    expect(cronEvery(48 * 3_600_000)).toBe('0 0 * * *');
  });
});
