// The usage collector (SPEC §9) against a real PostgreSQL, a fake OpenCost and a fake Hopsworks
// admin API over HTTPS on loopback, their self-signed certificate trusted only as the cluster's
// ca_certificate: hours become the exact user-days usage.ingest would write (payer, price, credits),
// collecting again or on two servers at once changes nothing, a 30-minute hour is collected again,
// unmapped namespaces are recorded and billed to nobody, and bad answers fail the hour, not the run.
import { startFakeHopsworks, type FakeHopsworks } from '@hops/fakes/hopsworks';
import { startFakeOpenCost, type FakeAllocation, type FakeOpenCost } from '@hops/fakes/opencost';
import { selfSignedCertificate } from '@hops/fakes/tls';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import {
  callerAs,
  expectTrpcError,
  makeUser,
  recordingLogger,
  testDeps,
  testJobs,
  userDay,
} from '../../../test/helpers.ts';
import { SYSTEM_ACTOR } from '../../actor.ts';
import { enqueue } from '../../jobs/queue.ts';
import { ingestUsage } from '../usage/ingest.ts';
import { collectUsage, type CollectionDeps } from './collect.ts';
import { clusterCollection, collectionHealth } from './health.ts';

const { db, url } = await useTestDatabase();
const deps = testDeps();
const { runJobs } = testJobs(db, url, {
  ...deps,
  hopsworks: { oidcClientId: 'hops', maxProjects: 5 },
});
const collector = (): CollectionDeps => ({
  db,
  secrets: deps.secrets,
  log: recordingLogger(),
  timeoutMs: 2_000,
});

const HOUR = 3_600_000;
const GIB = 2 ** 30;
const at = (iso: string) => new Date(iso);

let openCost: FakeOpenCost;
let hopsworks: FakeHopsworks;
let clusterId: string;
let admin: Awaited<ReturnType<typeof callerAs>>;
let ada: { id: string };
let bob: { id: string };

/** Every hour of the window before `now` gets the platform's own namespace, so none is empty. */
function fillWindow(
  fake: FakeOpenCost,
  now: Date,
  extra: Record<string, Record<string, FakeAllocation>> = {},
) {
  const last = Math.floor(now.getTime() / HOUR) * HOUR - HOUR;
  for (let hour = last - 47 * HOUR; hour <= last; hour += HOUR) {
    const iso = new Date(hour).toISOString();
    fake.setHour(new Date(hour), { 'kube-system': { cpuCoreHours: 0.5 }, ...(extra[iso] ?? {}) });
  }
}

async function dayOf(userId: string, date: string) {
  return db
    .selectFrom('usageDaily')
    .selectAll()
    .where('userId', '=', userId)
    .where(sql<boolean>`date = ${date}::date`)
    .executeTakeFirst();
}

const ledgerCount = async (ownerId: string) =>
  Number(
    (
      await db
        .selectFrom('creditTransactions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('userId', '=', ownerId)
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  const tls = selfSignedCertificate();
  [openCost, hopsworks] = await Promise.all([
    startFakeOpenCost({ tls, token: 'oc-token' }),
    startFakeHopsworks({ tls }),
  ]);
  const chief = await makeUser(db, { isAdmin: true });
  admin = await callerAs(db, { userId: chief.id }, deps);
  clusterId = (
    await admin.clusters.create({
      name: 'collect-east',
      apiUrl: hopsworks.url,
      apiKey: hopsworks.apiKey,
      maxUsers: 100,
      caCertificate: tls.cert,
      openCostUrl: openCost.url,
      openCostToken: 'oc-token',
    })
  ).id;
  // A prepaid owner and their member, placed on the cluster and provisioned there.
  ada = await makeUser(db, { email: 'ada@collect.test', billingMode: 'prepaid' });
  bob = await makeUser(db, { email: 'bob@collect.test', owner: ada.id });
  await admin.credits.grant({ userId: ada.id, amount: '1000', pool: 'paid', reason: 'prepaid' });
  await admin.clusters.assign({ userId: ada.id, clusterId });
  await runJobs();
  const username = (email: string) => hopsworks.users.find((u) => u.email === email)!.username;
  hopsworks.projects.push(
    { name: 'Ada_Lab', creator: { username: username('ada@collect.test') } },
    { name: 'bob_etl', creator: { username: username('bob@collect.test') } },
    { name: 'Ghost_Project', creator: { username: 'someone-else' } },
  );
});
afterAll(async () => {
  await Promise.all([openCost.close(), hopsworks.close()]);
});

/** What the cluster page shows at `now` (the procedure reads the clock; the runs here are dated). */
async function collectionAt(now: Date) {
  return {
    health: (await collectionHealth(db, [clusterId], now)).get(clusterId)!,
    ...(await clusterCollection(db, clusterId, now)),
  };
}

describe('collecting usage from OpenCost', () => {
  const now = at('2026-11-20T03:30:00Z');

  it("turns a day's hours into the user-day usage.ingest would write, paid by the owner", async () => {
    fillWindow(openCost, now, {
      '2026-11-19T00:00:00.000Z': {
        'ada-lab': {
          cpuCoreHours: 1.5,
          ramByteHours: 3 * GIB,
          pvByteHours: 24 * GIB,
          networkTransferBytes: GIB / 2,
        },
        'bob-etl': { cpuCoreHours: 0.25, gpuHours: 1, ramByteHours: 1e9 },
        'ghost-project': { cpuCoreHours: 7 },
        stray: { cpuCoreHours: 3 },
      },
      '2026-11-19T01:00:00.000Z': {
        'ada-lab': {
          cpuCoreHours: 2.25,
          ramByteHours: 3 * GIB,
          pvByteHours: 24 * GIB,
          networkTransferBytes: GIB,
        },
      },
      '2026-11-19T02:00:00.000Z': {
        'ada-lab': { cpuCoreHours: 0.125, ramByteHours: 3 * GIB, pvByteHours: 24 * GIB },
      },
      '2026-11-20T00:00:00.000Z': { 'ada-lab': { cpuCoreHours: 4 } },
    });
    const before = (await admin.credits.balance({ userId: ada.id })).available;
    const [result] = await collectUsage(collector(), { now });
    expect(result).toMatchObject({
      clusterId,
      name: 'collect-east',
      hours: 48,
      namespaces: 5,
      unmapped: 3,
      users: 2,
      partial: 0,
      error: null,
    });
    // Absolute, hour-aligned RFC 3339 windows, by namespace, one per hour, with the bearer token.
    const asked = openCost.requests.filter((r) => r.path === '/allocation/compute');
    expect(asked).toHaveLength(48);
    expect(asked[0]!.query).toEqual({
      window: '2026-11-18T03:00:00Z,2026-11-18T04:00:00Z',
      aggregate: 'namespace',
      step: '1h',
      accumulate: 'false',
      includeIdle: 'false',
    });
    expect(asked.every((r) => r.authorization === 'Bearer oc-token')).toBe(true);

    const adaDay = await dayOf(ada.id, '2026-11-19');
    expect(adaDay).toMatchObject({
      accountOwnerId: ada.id,
      hopsworksClusterId: clusterId,
      cpuHours: '3.8750', // 1.5 + 2.25 + 0.125
      ramGbHours: '9.0000', // 3 × 3 GiB-hours
      onlineStorageGb: '3.0000', // 72 GiB-hours ÷ 24: the day's average
      networkEgressGb: '1.5000',
      offlineStorageGb: '0.0000',
    });
    expect(adaDay!.projectBreakdown).toEqual({
      'ada-lab': {
        cpuHours: '3.8750',
        gpuHours: '0.0000',
        ramGbHours: '9.0000',
        onlineStorageGb: '3.0000',
        offlineStorageGb: '0.0000',
        networkEgressGb: '1.5000',
      },
    });
    // The member's usage is the member's day, paid by the owner; 1e9 B ÷ 2³⁰ = 0.93132257…
    expect(await dayOf(bob.id, '2026-11-19')).toMatchObject({
      accountOwnerId: ada.id,
      cpuHours: '0.2500',
      gpuHours: '1.0000',
      ramGbHours: '0.9313',
    });
    expect(await dayOf(ada.id, '2026-11-20')).toMatchObject({ cpuHours: '4.0000' });

    // The same price as usage.ingest of the same quantities (a probe account).
    const probe = await makeUser(db);
    await inTransaction(db, (trx) =>
      ingestUsage(
        trx,
        SYSTEM_ACTOR,
        [
          userDay(probe.id, '2026-11-19', {
            cpuHours: '3.8750',
            ramGbHours: '9.0000',
            onlineStorageGb: '3.0000',
            networkEgressGb: '1.5000',
          }),
        ],
        { today: '2026-11-20' },
      ),
    );
    expect(adaDay!.totalCost).toBe((await dayOf(probe.id, '2026-11-19'))!.totalCost);

    // Prepaid credits drawn by exactly the collected cost.
    const rows = await db
      .selectFrom('usageDaily')
      .select('totalCost')
      .where('accountOwnerId', '=', ada.id)
      .execute();
    const cost = rows.reduce((s, r) => s + Number(r.totalCost), 0);
    const after = (await admin.credits.balance({ userId: ada.id })).available;
    expect(Number(before) - Number(after)).toBeCloseTo(cost, 4);

    // Unmapped namespaces are recorded and shown, never billed.
    const view = await collectionAt(now);
    expect(view.unmapped.map((u) => [u.namespace, u.reason])).toEqual([
      ['kube-system', 'system'],
      ['ghost-project', 'no_person'],
      ['stray', 'no_project'],
    ]);
    expect(view.health).toMatchObject({
      lastHour: '2026-11-20T02:00:00.000Z',
      hoursBehind: 0,
      gap: false,
      partialHours: 0,
      failedHours: 0,
      unmappedNamespaces: 3,
    });
    const billedToNobody = await db
      .selectFrom('usageDaily')
      .select('userId')
      .where('hopsworksClusterId', '=', clusterId)
      .where('userId', 'not in', [ada.id, bob.id])
      .execute();
    expect(billedToNobody).toEqual([]);
  });

  it('collecting the same hours again, or on two servers at once, changes nothing', async () => {
    const snapshot = async () => ({
      days: await db
        .selectFrom('usageDaily')
        .selectAll()
        .where('accountOwnerId', '=', ada.id)
        .orderBy('date')
        .orderBy('userId')
        .execute(),
      hours: Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM usage_hourly`.execute(db)).rows[0]!.n,
      ),
      ledger: await ledgerCount(ada.id),
      balance: (await admin.credits.balance({ userId: ada.id })).available,
    });
    const first = await snapshot();
    // Nothing left to collect: no call at all.
    openCost.requests.length = 0;
    expect((await collectUsage(collector(), { now }))[0]).toMatchObject({ hours: 0, users: 0 });
    expect(openCost.requests).toEqual([]);
    // Every hour collected again (as after a crash that lost the record of it), by two servers.
    await sql`UPDATE usage_collection_hours SET state = 'failed' WHERE cluster_id = ${clusterId}::uuid`.execute(
      db,
    );
    const runs = await Promise.all([
      collectUsage(collector(), { now }),
      collectUsage(collector(), { now }),
    ]);
    // One of them collected the 48 hours; the other found it busy, or nothing left to do.
    expect(runs.flat().reduce((n, r) => n + r.hours, 0)).toBe(48);
    const again = await snapshot();
    expect(again).toEqual(first);
  });

  it('a 30-minute hour is kept as partial and collected again, three tries in all', async () => {
    const later = at('2026-11-20T04:10:00Z');
    openCost.setHour(at('2026-11-20T03:00:00Z'), {
      'kube-system': { minutes: 30 },
      'ada-lab': { minutes: 30, cpuCoreHours: 1 },
    });
    expect((await collectUsage(collector(), { now: later }))[0]).toMatchObject({
      hours: 1,
      partial: 1,
    });
    expect(await dayOf(ada.id, '2026-11-20')).toMatchObject({ cpuHours: '5.0000' });
    // OpenCost has the whole hour now: the next run replaces it.
    openCost.setHour(at('2026-11-20T03:00:00Z'), {
      'kube-system': { minutes: 60 },
      'ada-lab': { minutes: 60, cpuCoreHours: 2.5 },
    });
    expect((await collectUsage(collector(), { now: later }))[0]).toMatchObject({
      hours: 1,
      partial: 0,
    });
    expect(await dayOf(ada.id, '2026-11-20')).toMatchObject({ cpuHours: '6.5000' });

    // An hour that stays short is tried three times, then kept as it is.
    const evenLater = at('2026-11-20T05:10:00Z');
    openCost.setHour(at('2026-11-20T04:00:00Z'), { 'ada-lab': { minutes: 20, cpuCoreHours: 0.5 } });
    const tries = [];
    for (let i = 0; i < 4; i += 1)
      tries.push((await collectUsage(collector(), { now: evenLater }))[0]!.hours);
    expect(tries).toEqual([1, 1, 1, 0]);
    const hour = await db
      .selectFrom('usageCollectionHours')
      .select(['state', 'attempts', 'minutes'])
      .where('clusterId', '=', clusterId)
      .where('hour', '=', at('2026-11-20T04:00:00Z'))
      .executeTakeFirstOrThrow();
    expect(hour).toEqual({ state: 'partial', attempts: 3, minutes: '20' });
    expect((await collectionAt(evenLater)).health.partialHours).toBe(1);
  });

  it('a bad answer fails its hour with a sentence naming the cluster and the call; nothing half-written', async () => {
    const now = at('2026-11-20T08:10:00Z');
    // 05:00, 06:00, 07:00 are due. 05:00 answers a wrong code, 06:00 a shifted window; 07:00 is fine.
    openCost.setHour(at('2026-11-20T06:00:00Z'), { 'ada-lab': { cpuCoreHours: 1 } });
    openCost.setHour(at('2026-11-20T07:00:00Z'), { 'ada-lab': { cpuCoreHours: 1 } });
    openCost.answerNext(200, JSON.stringify({ code: 500, data: [] }));
    openCost.answerNext(
      200,
      JSON.stringify({
        code: 200,
        data: [
          {
            'ada-lab': {
              window: { start: '2026-11-20T06:05:00Z', end: '2026-11-20T07:05:00Z' },
              minutes: 60,
              cpuCoreHours: 9,
              gpuHours: 0,
              ramByteHours: 0,
              pvByteHours: 0,
              networkTransferBytes: 0,
            },
          },
        ],
      }),
    );
    const dayBefore = await dayOf(ada.id, '2026-11-20');
    const [result] = await collectUsage(collector(), { now });
    expect(result!.error).toBe(
      'OpenCost on collect-east: GET /allocation/compute 2026-11-20T05:00:00Z answered code 500 instead of 200.',
    );
    expect(result!.hours).toBe(1);
    expect(
      Number((await dayOf(ada.id, '2026-11-20'))!.cpuHours) - Number(dayBefore!.cpuHours),
    ).toBe(1);
    const view = await collectionAt(now);
    expect(view.hours.filter((h) => h.state === 'failed').map((h) => [h.hour, h.error])).toEqual([
      ['2026-11-20T06:00:00.000Z', expect.stringContaining('the window 2026-11-20T06:05:00Z')],
      ['2026-11-20T05:00:00.000Z', expect.stringContaining('code 500')],
    ]);
    expect(view.health).toMatchObject({
      failedHours: 2,
      lastError: expect.stringContaining('collect-east'),
    });
    // The next run tries them again and they succeed.
    openCost.setHour(at('2026-11-20T05:00:00Z'), { 'ada-lab': { cpuCoreHours: 1 } });
    expect((await collectUsage(collector(), { now }))[0]).toMatchObject({ hours: 2, error: null });
    expect(
      Number((await dayOf(ada.id, '2026-11-20'))!.cpuHours) - Number(dayBefore!.cpuHours),
    ).toBe(3);
    expect((await collectionAt(now)).health).toMatchObject({ failedHours: 0, lastError: null });
  });

  it('an OpenCost that is down stops the run; a gap over 3 hours is alerted once', async () => {
    const kinds = async () =>
      await db
        .selectFrom('events')
        .select(['kind', 'payload'])
        .where('kind', '=', 'clusters.collection_gap')
        .execute();
    const before = (await kinds()).length;
    for (let i = 0; i < 2; i += 1) openCost.answerNext(503, '{"code":503}');
    // Five more hours are due: the first fails and the run stops there.
    const now = at('2026-11-20T13:10:00Z');
    const [first] = await collectUsage(collector(), { now });
    expect(first).toMatchObject({ hours: 0, error: expect.stringContaining('503') });
    expect((await kinds()).length).toBe(before + 1);
    const [again] = await collectUsage(collector(), { now: at('2026-11-20T14:10:00Z') });
    expect(again!.error).toContain('503');
    expect((await kinds()).length).toBe(before + 1); // once per gap
    const alert = (await kinds()).at(-1)!.payload as Record<string, unknown>;
    expect(alert).toMatchObject({
      clusterId,
      cluster: 'collect-east',
      lastHour: '2026-11-20T07:00:00.000Z',
    });
    expect((await collectionAt(at('2026-11-20T14:10:00Z'))).health).toMatchObject({
      gap: true,
      hoursBehind: 6,
    });
    // Back up: everything due is collected and the gap closes.
    fillWindow(openCost, at('2026-11-20T14:10:00Z'));
    const [back] = await collectUsage(collector(), { now: at('2026-11-20T14:10:00Z') });
    expect(back).toMatchObject({ error: null });
    expect((await collectionAt(at('2026-11-20T14:10:00Z'))).health).toMatchObject({
      gap: false,
      hoursBehind: 0,
    });
  });

  it('a null figure or an answer that is not JSON fails the hour, writes nothing of it, and is tried again', async () => {
    const now = at('2026-11-20T16:10:00Z');
    const hourRows = () =>
      db
        .selectFrom('usageHourly')
        .select('namespace')
        .where('clusterId', '=', clusterId)
        .where('hour', 'in', [at('2026-11-20T14:00:00Z'), at('2026-11-20T15:00:00Z')])
        .execute();
    const window = { start: '2026-11-20T14:00:00Z', end: '2026-11-20T15:00:00Z' };
    openCost.answerNext(
      200,
      JSON.stringify({
        code: 200,
        data: [
          {
            'ada-lab': {
              window,
              minutes: 60,
              cpuCoreHours: null,
              gpuHours: 0,
              ramByteHours: 0,
              pvByteHours: 0,
              networkTransferBytes: 0,
            },
          },
        ],
      }),
    );
    openCost.answerNext(200, '{"code": 200, "data": [NaN]}');
    const [result] = await collectUsage(collector(), { now });
    expect(result).toMatchObject({
      hours: 0,
      error: expect.stringContaining('cpuCoreHours = null for ada-lab'),
    });
    const view = await collectionAt(now);
    expect(view.hours.slice(0, 2).map((h) => [h.hour, h.state])).toEqual([
      ['2026-11-20T15:00:00.000Z', 'failed'],
      ['2026-11-20T14:00:00.000Z', 'failed'],
    ]);
    expect(view.hours[0]!.error).toMatch(
      /collect-east.*GET \/allocation\/compute 2026-11-20T15:00:00Z/,
    );
    expect(await hourRows()).toEqual([]);
    openCost.setHour(at('2026-11-20T14:00:00Z'), { 'kube-system': {} });
    openCost.setHour(at('2026-11-20T15:00:00Z'), { 'kube-system': {} });
    expect((await collectUsage(collector(), { now }))[0]).toMatchObject({ hours: 2, error: null });
    expect(await hourRows()).toHaveLength(2);
  });

  it('a cluster whose certificate is not trusted fails TLS, never falls back to trusting anything', async () => {
    const untrusted = await admin.clusters.create({
      name: 'collect-untrusted',
      apiUrl: hopsworks.url,
      apiKey: hopsworks.apiKey,
      maxUsers: 10,
      openCostUrl: openCost.url,
    });
    const [result] = await collectUsage(collector(), { clusterId: untrusted.id, now });
    expect(result!.error).toMatch(/collect-untrusted.*certificate/i);
    expect(result!.hours).toBe(0);
    const rows = await db
      .selectFrom('usageHourly')
      .select('hour')
      .where('clusterId', '=', untrusted.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('collectNow is for admins, and refuses a cluster without OpenCost in a sentence', async () => {
    const plain = await admin.clusters.create({
      name: 'collect-plain',
      apiUrl: 'https://plain.test',
      apiKey: 'k',
      maxUsers: 5,
    });
    const message = await expectTrpcError(
      admin.clusters.collectNow({ clusterId: plain.id }),
      'PRECONDITION_FAILED',
    );
    expect(message).toMatch(/collect-plain has no OpenCost URL/);
    const member = await callerAs(db, { userId: bob.id }, deps);
    await expectTrpcError(member.clusters.collectNow({}), 'FORBIDDEN');
    await expectTrpcError(member.clusters.collection({ clusterId }), 'FORBIDDEN');
  });
});

describe('the periodic collection job', () => {
  it('collects the completed hours before now, once however often it is queued', async () => {
    const now = new Date();
    const lastHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR - HOUR);
    fillWindow(openCost, now, { [lastHour.toISOString()]: { 'ada-lab': { cpuCoreHours: 2 } } });
    const queue = () =>
      inTransaction(db, async (trx) => {
        await enqueue(trx, 'clusters.collect', {}, { jobKey: 'clusters:collect' });
        await enqueue(trx, 'clusters.collect', {}, { jobKey: 'clusters:collect' });
      });
    openCost.requests.length = 0;
    await queue();
    await runJobs();
    expect(openCost.requests).toHaveLength(48);
    expect(await dayOf(ada.id, lastHour.toISOString().slice(0, 10))).toMatchObject({
      cpuHours: '2.0000',
    });
    await queue();
    await runJobs();
    expect(openCost.requests).toHaveLength(48); // nothing left to collect
  });
});
