// Accounts on the Hopsworks clusters (SPEC §9) against a real PostgreSQL, the real job queue and a
// fake Hopsworks admin API over HTTPS on loopback, its self-signed certificate trusted only as
// the cluster's ca_certificate: every kind of cluster change makes the right calls once, with the
// cluster's API key; a cluster that is down never blocks the change, and its job finishes later;
// five failures stay failed, alert, and an admin's retry finishes the job.
import { startFakeHopsworks, type FakeHopsworks } from '@hops/fakes/hopsworks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, makeUser, testDeps, testJobs } from '../../../test/helpers.ts';

const { db, url } = await useTestDatabase();
const deps = testDeps();
const { runJobs, retryNow } = testJobs(db, url, {
  ...deps,
  hopsworks: { oidcClientId: 'hops-test-client', maxProjects: 7, timeoutMs: 2_000 },
});

let east: FakeHopsworks;
let west: FakeHopsworks;
let eastId: string;
let westId: string;
let admin: Awaited<ReturnType<typeof callerAs>>;

beforeAll(async () => {
  [east, west] = await Promise.all([
    startFakeHopsworks({ apiKey: 'east-key' }),
    startFakeHopsworks({ apiKey: 'west-key' }),
  ]);
  const chief = await makeUser(db, { isAdmin: true, email: 'chief@hops.test' });
  admin = await callerAs(db, { userId: chief.id }, deps);
  for (const [name, fake] of [
    ['east', east],
    ['west', west],
  ] as const) {
    const created = await admin.clusters.create({
      name: `prov-${name}`,
      apiUrl: fake.url,
      apiKey: fake.apiKey,
      maxUsers: 50,
      caCertificate: fake.caCertificate,
    });
    if (name === 'east') eastId = created.id;
    else westId = created.id;
  }
});
afterAll(async () => {
  await Promise.all([east.close(), west.close()]);
});

const writes = (fake: FakeHopsworks) =>
  fake.requests.filter((r) => r.method !== 'GET' && r.status < 300);
const userOn = (fake: FakeHopsworks, email: string) => fake.users.find((u) => u.email === email);
const rowsOf = (userId: string) =>
  db
    .selectFrom('hopsworksProvisioning')
    .selectAll()
    .where('userId', '=', userId)
    .orderBy('id')
    .execute();

describe('provisioning people on their Hopsworks cluster', () => {
  it('assigning an account creates its owner and member there, once, with the cluster key', async () => {
    const owner = await makeUser(db, { name: 'Ada King Lovelace', email: 'ada@prov.test' });
    const member = await makeUser(db, { owner: owner.id, name: '', email: 'Bob@Prov.test' });
    east.requests.length = 0;
    await admin.clusters.assign({ userId: owner.id, clusterId: eastId });
    // The assignment did not wait for the cluster.
    expect(east.requests).toEqual([]);
    await runJobs();
    await runJobs(); // nothing is left to do
    const ada = userOn(east, 'ada@prov.test')!;
    expect(ada).toMatchObject({
      givenName: 'Ada',
      surname: 'King Lovelace',
      subject: owner.id,
      clientId: 'hops-test-client',
      maxNumProjects: 7,
      accountType: 'REMOTE_ACCOUNT_TYPE',
      status: 2,
    });
    expect(userOn(east, 'Bob@Prov.test')).toMatchObject({ givenName: 'Bob', surname: '-' });
    expect(writes(east).map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(east.requests.every((r) => r.authorization === 'ApiKey east-key')).toBe(true);
    // The username is stored on the person and the assignment.
    const stored = await db
      .selectFrom('users')
      .innerJoin('userHopsworksAssignments as a', 'a.userId', 'users.id')
      .select(['users.hopsworksUsername as onUser', 'a.hopsworksUsername as onAssignment'])
      .where('users.id', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ onUser: ada.username, onAssignment: ada.username });
    expect(await rowsOf(owner.id)).toMatchObject([
      { action: 'activate', reason: 'assign', state: 'done', attempts: 1 },
    ]);

    // A move deactivates them on the old cluster and creates them on the new one.
    west.requests.length = 0;
    east.requests.length = 0;
    await admin.clusters.assign({ userId: owner.id, clusterId: westId });
    await runJobs();
    expect(userOn(east, 'ada@prov.test')!.status).toBe(3);
    expect(userOn(east, 'Bob@Prov.test')!.status).toBe(3);
    expect(writes(east).map((r) => [r.method, r.body])).toEqual([
      ['PUT', { status: 3 }],
      ['PUT', { status: 3 }],
    ]);
    expect(userOn(west, 'ada@prov.test')!.status).toBe(2);
    expect(writes(west).map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(west.requests.every((r) => r.authorization === 'ApiKey west-key')).toBe(true);

    // Suspension deactivates (the assignment stays); reactivation activates again.
    west.requests.length = 0;
    await admin.admin.users.setStatus({ userId: member.id, status: 'suspended', reason: 'test' });
    await runJobs();
    expect(userOn(west, 'Bob@Prov.test')!.status).toBe(3);
    await admin.admin.users.setStatus({ userId: member.id, status: 'active', reason: 'test' });
    await runJobs();
    expect(userOn(west, 'Bob@Prov.test')!.status).toBe(2);
    expect(writes(west).map((r) => r.body)).toEqual([{ status: 3 }, { status: 2 }]);

    // Removed from the team: deactivated there, never deleted.
    west.requests.length = 0;
    const ownerCaller = await callerAs(db, { userId: owner.id }, deps);
    await ownerCaller.team.removeMember({ memberId: member.id });
    await runJobs();
    expect(userOn(west, 'Bob@Prov.test')!.status).toBe(3);
    expect(writes(west).map((r) => [r.method, r.body])).toEqual([['PUT', { status: 3 }]]);
    expect((await rowsOf(member.id)).map((r) => [r.reason, r.action, r.state])).toEqual([
      ['assign', 'activate', 'done'],
      ['move', 'deactivate', 'done'],
      ['move', 'activate', 'done'],
      ['suspend', 'deactivate', 'done'],
      ['reactivate', 'activate', 'done'],
      ['remove', 'deactivate', 'done'],
    ]);

    // Unassigning the account deactivates its owner.
    await admin.clusters.unassign({ userId: owner.id });
    await runJobs();
    expect(userOn(west, 'ada@prov.test')!.status).toBe(3);
  });

  it('an assignment is instant while the cluster is down; the job finishes once it is back', async () => {
    const owner = await makeUser(db, { email: 'down@prov.test' });
    east.failNext({ status: 503, times: 2 });
    await admin.clusters.assign({ userId: owner.id, clusterId: eastId });
    await runJobs();
    const [waiting] = await rowsOf(owner.id);
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1 });
    expect(waiting!.lastError).toMatch(/^Hopsworks on prov-east: GET \/admin\/users /);
    await retryNow();
    await runJobs();
    await retryNow();
    await runJobs();
    expect(await rowsOf(owner.id)).toMatchObject([{ state: 'done', attempts: 3, lastError: null }]);
    expect(east.users.filter((u) => u.email === 'down@prov.test')).toHaveLength(1);
  });

  it('after 5 failures the job stays failed, alerts, and an admin retry finishes it', async () => {
    const owner = await makeUser(db, { email: 'broken@prov.test' });
    east.failNext({ status: 500, times: 5 });
    await admin.clusters.assign({ userId: owner.id, clusterId: eastId });
    for (let i = 0; i < 6; i++) {
      await runJobs();
      await retryNow();
    }
    const [failed] = await rowsOf(owner.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 5 });
    const events = await db
      .selectFrom('events')
      .select(['kind', 'payload'])
      .where('kind', '=', 'clusters.provisioning_failed')
      .execute();
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ email: 'broken@prov.test', cluster: 'prov-east', attempts: 5 }),
    );
    expect(userOn(east, 'broken@prov.test')).toBeUndefined();

    const listed = await admin.clusters.provisioning({ clusterId: eastId, state: 'failed' });
    expect(listed.map((j) => j.email)).toContain('broken@prov.test');
    const retried = await admin.clusters.retryProvisioning({ jobId: String(failed!.id) });
    expect(retried).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
    await runJobs();
    expect(userOn(east, 'broken@prov.test')!.status).toBe(2);
    expect((await rowsOf(owner.id))[0]).toMatchObject({ state: 'done', attempts: 1 });
    await expect(admin.clusters.retryProvisioning({ jobId: String(failed!.id) })).rejects.toThrow(
      /is done, not failed/,
    );
  });

  it('a cluster whose certificate is not trusted fails TLS instead of trusting anything', async () => {
    const owner = await makeUser(db, { email: 'tls@prov.test' });
    const untrusted = await admin.clusters.create({
      name: 'prov-untrusted',
      apiUrl: east.url,
      apiKey: east.apiKey,
      maxUsers: 5,
    });
    await admin.clusters.assign({ userId: owner.id, clusterId: untrusted.id });
    await runJobs();
    const [row] = await rowsOf(owner.id);
    expect(row!.state).toBe('pending');
    expect(row!.lastError).toMatch(/could not be trusted/);
    expect(userOn(east, 'tls@prov.test')).toBeUndefined();
  });

  it('an older change still waiting is overtaken by the newest one', async () => {
    const owner = await makeUser(db, { email: 'quick@prov.test' });
    await admin.clusters.assign({ userId: owner.id, clusterId: westId });
    await admin.clusters.unassign({ userId: owner.id });
    west.requests.length = 0;
    await runJobs();
    expect((await rowsOf(owner.id)).map((r) => [r.action, r.state])).toEqual([
      ['activate', 'superseded'],
      ['deactivate', 'done'],
    ]);
    // Never created, so nothing to deactivate: no write reached the cluster.
    expect(writes(west)).toEqual([]);
  });
});
