// clusters.* through the router (SPEC §3.3, §3.5). Over 300 lines: seven procedures, one file.
import { selfSignedCertificate } from '@hops/fakes/tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  auditRows,
  callerAs,
  clusterOf,
  currentUsers,
  expectTrpcError,
  makeCluster,
  makeUser,
  testDeps,
} from '../../test/helpers.ts';

const { db } = await useTestDatabase();
const deps = testDeps();

const API_KEY = 'hw-api-key-PLAIN-7f3a9c';
const KUBECONFIG =
  'apiVersion: v1\nclusters:\n- cluster: {server: https://k8s.test}\n# KUBE-PLAIN-44d1';

let admin: Awaited<ReturnType<typeof makeUser>>;
let asAdmin: Awaited<ReturnType<typeof callerAs>>;

beforeAll(async () => {
  admin = await makeUser(db, { isAdmin: true, email: 'root@hops.test' });
  asAdmin = await callerAs(db, { userId: admin.id }, deps);
});

async function storedSecrets(id: string) {
  return db
    .selectFrom('hopsworksClusters')
    .select(['apiKey', 'kubeconfig'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Auto-assignment looks at every cluster of this file's database; start from none active. */
async function retireAllClusters() {
  await db.updateTable('hopsworksClusters').set({ status: 'inactive' }).execute();
}

function expectNoSecrets(answer: unknown, ...plain: string[]) {
  const json = JSON.stringify(answer);
  expect(json).not.toContain('enc:v1:');
  for (const secret of plain) expect(json).not.toContain(secret);
}

describe('clusters.create', () => {
  it('stores the secrets encrypted, returns the cluster without them, and audits it', async () => {
    const created = await asAdmin.clusters.create({
      name: 'eu-west-1-prod',
      apiUrl: 'https://eu-west-1.hopsworks.test',
      apiKey: API_KEY,
      kubeconfig: KUBECONFIG,
      maxUsers: 50,
      metadata: { region: 'eu-west-1' },
    });
    expect(created).toMatchObject({
      name: 'eu-west-1-prod',
      apiUrl: 'https://eu-west-1.hopsworks.test',
      status: 'active',
      currentUsers: 0,
      maxUsers: 50,
      overCapacity: false,
      utilisation: '0.0',
      accounts: 0,
      hasApiKey: true,
      hasKubeconfig: true,
      metadata: { region: 'eu-west-1' },
    });
    expect(created).not.toHaveProperty('apiKey');
    expect(created).not.toHaveProperty('kubeconfig');
    expect(typeof created.createdAt).toBe('string');
    expectNoSecrets(created, API_KEY, KUBECONFIG);

    const stored = await storedSecrets(created.id);
    expect(stored.apiKey.startsWith('enc:v1:')).toBe(true);
    expect(stored.apiKey).not.toContain(API_KEY);
    expect(deps.secrets.decrypt(stored.apiKey)).toBe(API_KEY);
    expect(deps.secrets.decrypt(stored.kubeconfig!)).toBe(KUBECONFIG);

    const [audit] = await auditRows(db, 'clusters.create', created.id);
    expect(audit).toMatchObject({ actorUserId: admin.id, via: 'web', targetType: 'cluster' });
    expectNoSecrets(audit, API_KEY, KUBECONFIG);
  });

  it('creates a cluster without a kubeconfig, in the status asked for', async () => {
    const created = await asAdmin.clusters.create({
      name: 'staging-1',
      apiUrl: 'https://staging.hopsworks.test',
      apiKey: 'k',
      maxUsers: 5,
      status: 'maintenance',
    });
    expect(created).toMatchObject({ status: 'maintenance', hasKubeconfig: false, metadata: {} });
    expect((await storedSecrets(created.id)).kubeconfig).toBeNull();
  });

  it('refuses a duplicate name with CONFLICT', async () => {
    await asAdmin.clusters.create({
      name: 'dup-1',
      apiUrl: 'https://a.test',
      apiKey: 'k',
      maxUsers: 1,
    });
    const message = await expectTrpcError(
      asAdmin.clusters.create({
        name: 'dup-1',
        apiUrl: 'https://b.test',
        apiKey: 'k',
        maxUsers: 1,
      }),
      'CONFLICT',
    );
    expect(message).toBe('A cluster named dup-1 already exists. Pick another name.');
  });

  it('refuses bad input with BAD_REQUEST and a readable sentence', async () => {
    const base = { name: 'bad-1', apiUrl: 'https://ok.test', apiKey: 'k', maxUsers: 10 };
    for (const apiUrl of [
      'http://plain.test',
      'https:no-slashes.test',
      'ftp://x.test',
      'not a url',
    ]) {
      const message = await expectTrpcError(
        asAdmin.clusters.create({ ...base, apiUrl }),
        'BAD_REQUEST',
      );
      expect(message).toContain('https://');
    }
    await expectTrpcError(asAdmin.clusters.create({ ...base, maxUsers: 0 }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.clusters.create({ ...base, maxUsers: 2.5 }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.clusters.create({ ...base, apiKey: '' }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.clusters.create({ ...base, name: 'has spaces' }), 'BAD_REQUEST');
    await expectTrpcError(
      asAdmin.clusters.create({ ...base, status: 'broken' as 'active' }),
      'BAD_REQUEST',
    );
    const secret = 'x'.repeat(10_001);
    const message = await expectTrpcError(
      asAdmin.clusters.create({ ...base, apiKey: secret }),
      'BAD_REQUEST',
    );
    expect(message).not.toContain(secret);
    const none = await db
      .selectFrom('hopsworksClusters')
      .select('id')
      .where('name', '=', 'bad-1')
      .execute();
    expect(none).toEqual([]);
  });

  it('is for admins only', async () => {
    const owner = await makeUser(db);
    const input = { name: 'nope', apiUrl: 'https://n.test', apiKey: 'k', maxUsers: 1 };
    await expectTrpcError(
      (await callerAs(db, { userId: owner.id })).clusters.create(input),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).clusters.create(input),
      'UNAUTHORIZED',
    );
    await expectTrpcError(
      (await callerAs(db, { service: true })).clusters.create(input),
      'FORBIDDEN',
    );
  });
});

describe('clusters.update', () => {
  async function freshCluster(name: string, maxUsers = 10) {
    return asAdmin.clusters.create({
      name,
      apiUrl: `https://${name}.test`,
      apiKey: API_KEY,
      kubeconfig: KUBECONFIG,
      maxUsers,
    });
  }

  it('changes plain fields, leaves the secrets untouched, and audits the field names', async () => {
    const cluster = await freshCluster('upd-1');
    const before = await storedSecrets(cluster.id);
    const updated = await asAdmin.clusters.update({
      id: cluster.id,
      name: 'upd-1-renamed',
      maxUsers: 20,
      status: 'maintenance',
      metadata: { tier: 'gold' },
    });
    expect(updated).toMatchObject({
      name: 'upd-1-renamed',
      maxUsers: 20,
      status: 'maintenance',
      metadata: { tier: 'gold' },
      hasApiKey: true,
      hasKubeconfig: true,
    });
    expect(await storedSecrets(cluster.id)).toEqual(before);
    const [audit] = await auditRows(db, 'clusters.update', cluster.id);
    expect(audit!.details).toEqual({
      name: 'upd-1-renamed',
      changed: ['name', 'maxUsers', 'status', 'metadata'],
      from: { name: 'upd-1', maxUsers: 10, status: 'active' },
      to: { name: 'upd-1-renamed', maxUsers: 20, status: 'maintenance' },
    });
  });

  it('replaces and clears secrets write-only, auditing only that they changed', async () => {
    const cluster = await freshCluster('upd-2');
    const rotated = await asAdmin.clusters.update({ id: cluster.id, apiKey: 'NEW-KEY-9911' });
    expectNoSecrets(rotated, 'NEW-KEY-9911', API_KEY);
    let stored = await storedSecrets(cluster.id);
    expect(deps.secrets.decrypt(stored.apiKey)).toBe('NEW-KEY-9911');
    expect(deps.secrets.decrypt(stored.kubeconfig!)).toBe(KUBECONFIG);

    const cleared = await asAdmin.clusters.update({ id: cluster.id, kubeconfig: null });
    expect(cleared.hasKubeconfig).toBe(false);
    stored = await storedSecrets(cluster.id);
    expect(stored.kubeconfig).toBeNull();
    expect(deps.secrets.decrypt(stored.apiKey)).toBe('NEW-KEY-9911');

    const audits = await auditRows(db, 'clusters.update', cluster.id);
    expect(audits.map((a) => (a.details as { changed: string[] }).changed)).toEqual([
      ['apiKey'],
      ['kubeconfig'],
    ]);
    expectNoSecrets(audits, 'NEW-KEY-9911', API_KEY, KUBECONFIG);
  });

  it('writes nothing when nothing changes', async () => {
    const cluster = await freshCluster('upd-3');
    const same = await asAdmin.clusters.update({ id: cluster.id, name: 'upd-3', maxUsers: 10 });
    expect(same.updatedAt).toBe(cluster.updatedAt);
    expect(await auditRows(db, 'clusters.update', cluster.id)).toEqual([]);
    await asAdmin.clusters.update({ id: cluster.id, kubeconfig: null });
    await asAdmin.clusters.update({ id: cluster.id, kubeconfig: null });
    expect(await auditRows(db, 'clusters.update', cluster.id)).toHaveLength(1);
  });

  it('refuses a capacity below the users already on the cluster', async () => {
    const cluster = await freshCluster('upd-4', 5);
    for (let i = 0; i < 3; i += 1) await assignDirect(db, (await makeUser(db)).id, cluster.id);
    const message = await expectTrpcError(
      asAdmin.clusters.update({ id: cluster.id, maxUsers: 2 }),
      'PRECONDITION_FAILED',
    );
    expect(message).toBe(
      'Cluster upd-4 has 3 users, so its capacity cannot go below that. Move some accounts to another cluster first.',
    );
    const ok = await asAdmin.clusters.update({ id: cluster.id, maxUsers: 3 });
    expect(ok).toMatchObject({
      maxUsers: 3,
      currentUsers: 3,
      utilisation: '100.0',
      overCapacity: false,
    });
  });

  it('refuses a taken name, an unknown id and bad input', async () => {
    const a = await freshCluster('upd-5a');
    await freshCluster('upd-5b');
    expect(
      await expectTrpcError(asAdmin.clusters.update({ id: a.id, name: 'upd-5b' }), 'CONFLICT'),
    ).toBe('A cluster named upd-5b already exists. Pick another name.');
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      await expectTrpcError(asAdmin.clusters.update({ id: unknown, maxUsers: 3 }), 'NOT_FOUND'),
    ).toBe(`There is no cluster with id ${unknown}.`);
    await expectTrpcError(
      asAdmin.clusters.update({ id: 'not-a-uuid', maxUsers: 3 }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      asAdmin.clusters.update({ id: a.id, apiUrl: 'http://a.test' }),
      'BAD_REQUEST',
    );
    await expectTrpcError(asAdmin.clusters.update({ id: a.id, maxUsers: -1 }), 'BAD_REQUEST');
  });

  it('is for admins only', async () => {
    const cluster = await makeCluster(db);
    const member = await makeUser(db, { owner: (await makeUser(db)).id });
    const input = { id: cluster.id, maxUsers: 3 };
    await expectTrpcError(
      (await callerAs(db, { userId: member.id })).clusters.update(input),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).clusters.update(input),
      'UNAUTHORIZED',
    );
  });
});

describe('clusters.list, clusters.get, clusters.mine', () => {
  it('lists every cluster with its load and the over-capacity flag', async () => {
    const cluster = await makeCluster(db, { name: 'list-over', maxUsers: 2 });
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const other = await makeUser(db);
    // Only a member joining their owner goes past capacity; written directly here.
    for (const u of [owner, member, other]) await assignDirect(db, u.id, cluster.id);
    const list = await asAdmin.clusters.list();
    const row = list.find((c) => c.id === cluster.id);
    expect(row).toMatchObject({
      name: 'list-over',
      currentUsers: 3,
      maxUsers: 2,
      overCapacity: true,
      utilisation: '150.0',
      accounts: 2,
      hasApiKey: true,
      hasKubeconfig: false,
    });
    expect(Object.keys(row!).sort()).toEqual(
      [
        'accounts',
        'apiUrl',
        'createdAt',
        'currentUsers',
        'hasApiKey',
        'hasKubeconfig',
        'hasOpenCostToken',
        'caCertificate',
        'collection',
        'id',
        'maxUsers',
        'metadata',
        'name',
        'openCostUrl',
        'overCapacity',
        'status',
        'updatedAt',
        'utilisation',
      ].sort(),
    );
  });

  it('opens one cluster with its accounts', async () => {
    const cluster = await makeCluster(db, { name: 'get-1', maxUsers: 10 });
    const owner = await makeUser(db, { email: 'a-owner@get.test', billingMode: 'prepaid' });
    const members = [
      await makeUser(db, { owner: owner.id }),
      await makeUser(db, { owner: owner.id }),
    ];
    const solo = await makeUser(db, { email: 'b-solo@get.test' });
    for (const u of [owner, ...members, solo]) await assignDirect(db, u.id, cluster.id);
    const answer = await asAdmin.clusters.get({ id: cluster.id });
    expect(answer.cluster).toMatchObject({ id: cluster.id, currentUsers: 4, accounts: 2 });
    expect(answer.accounts).toEqual([
      {
        owner: { id: owner.id, email: owner.email, name: owner.name, status: 'active' },
        members: 2,
        billingMode: 'prepaid',
        assignedAt: expect.any(String),
        assignedBy: 'system',
      },
      {
        owner: { id: solo.id, email: solo.email, name: solo.name, status: 'active' },
        members: 0,
        billingMode: 'postpaid',
        assignedAt: expect.any(String),
        assignedBy: 'system',
      },
    ]);
    const unknown = '00000000-0000-4000-8000-000000000001';
    await expectTrpcError(asAdmin.clusters.get({ id: unknown }), 'NOT_FOUND');
    await expectTrpcError(asAdmin.clusters.get({ id: 'nope' }), 'BAD_REQUEST');
  });

  it('refuses non-admins', async () => {
    const owner = await callerAs(db, { userId: (await makeUser(db)).id });
    await expectTrpcError(owner.clusters.list(), 'FORBIDDEN');
    await expectTrpcError(owner.clusters.get({ id: (await makeCluster(db)).id }), 'FORBIDDEN');
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).clusters.list(),
      'UNAUTHORIZED',
    );
  });

  it('tells a user their own cluster, without secrets, or null', async () => {
    const cluster = await makeCluster(db, { name: 'mine-1', deps });
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await assignDirect(db, owner.id, cluster.id);
    await assignDirect(db, member.id, cluster.id);
    for (const who of [owner, member]) {
      const mine = await (await callerAs(db, { userId: who.id })).clusters.mine();
      expect(mine).toEqual({
        id: cluster.id,
        name: 'mine-1',
        apiUrl: cluster.apiUrl,
        status: 'active',
      });
    }
    const loner = await makeUser(db);
    expect(await (await callerAs(db, { userId: loner.id })).clusters.mine()).toBeNull();
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).clusters.mine(),
      'UNAUTHORIZED',
    );
  });
});

describe('clusters.assign and clusters.unassign', () => {
  it('moves a whole account, members included, and audits the move', async () => {
    const from = await makeCluster(db, { name: 'move-from', maxUsers: 10 });
    const to = await makeCluster(db, { name: 'move-to', maxUsers: 10 });
    const owner = await makeUser(db);
    const members = [
      await makeUser(db, { owner: owner.id }),
      await makeUser(db, { owner: owner.id }),
    ];
    for (const u of [owner, ...members]) await assignDirect(db, u.id, from.id);

    const answer = await asAdmin.clusters.assign({ userId: owner.id, clusterId: to.id });
    expect(answer).toEqual({
      status: 'moved',
      ownerId: owner.id,
      cluster: { id: to.id, name: 'move-to', currentUsers: 3, maxUsers: 10 },
      fromClusterId: from.id,
    });
    for (const u of [owner, ...members]) expect(await clusterOf(db, u.id)).toBe(to.id);
    expect(await currentUsers(db, from.id)).toBe(0);
    expect(await currentUsers(db, to.id)).toBe(3);
    const [audit] = await auditRows(db, 'clusters.move', owner.id);
    expect(audit).toMatchObject({ actorUserId: admin.id, via: 'web' });
    expect(audit!.details).toMatchObject({ fromClusterId: from.id, clusterId: to.id, users: 3 });

    const again = await asAdmin.clusters.assign({ userId: owner.id, clusterId: to.id });
    expect(again.status).toBe('unchanged');
  });

  it('refuses to assign a member on their own', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db, { email: 'boss@team.test' });
    const member = await makeUser(db, { owner: owner.id, email: 'worker@team.test' });
    for (const clusterId of [cluster.id, 'auto']) {
      const message = await expectTrpcError(
        asAdmin.clusters.assign({ userId: member.id, clusterId }),
        'BAD_REQUEST',
      );
      expect(message).toBe(
        'worker@team.test is a member of another account and moves with it; assign the account owner instead.',
      );
    }
    await expectTrpcError(asAdmin.clusters.unassign({ userId: member.id }), 'BAD_REQUEST');
    expect(await clusterOf(db, member.id)).toBeNull();
  });

  it('refuses a cluster without room for the whole team, and an inactive one', async () => {
    const small = await makeCluster(db, { name: 'small-2', maxUsers: 2 });
    const owner = await makeUser(db);
    await makeUser(db, { owner: owner.id });
    await makeUser(db, { owner: owner.id });
    expect(
      await expectTrpcError(
        asAdmin.clusters.assign({ userId: owner.id, clusterId: small.id }),
        'PRECONDITION_FAILED',
      ),
    ).toBe('Cluster small-2 has room for 2 more user(s), but the account has 3.');
    const inactive = await makeCluster(db, { name: 'gone-1', status: 'inactive' });
    expect(
      await expectTrpcError(
        asAdmin.clusters.assign({ userId: owner.id, clusterId: inactive.id }),
        'PRECONDITION_FAILED',
      ),
    ).toBe('Cluster gone-1 is inactive and takes no accounts.');
    expect(await clusterOf(db, owner.id)).toBeNull();
    expect(await currentUsers(db, small.id)).toBe(0);
  });

  it('answers unknown users and clusters with NOT_FOUND, and bad ids with BAD_REQUEST', async () => {
    const owner = await makeUser(db);
    const cluster = await makeCluster(db);
    expect(
      await expectTrpcError(
        asAdmin.clusters.assign({ userId: 'auth0|ghost', clusterId: cluster.id }),
        'NOT_FOUND',
      ),
    ).toBe('There is no user with id auth0|ghost.');
    await expectTrpcError(
      asAdmin.clusters.assign({
        userId: owner.id,
        clusterId: '00000000-0000-4000-8000-000000000002',
      }),
      'NOT_FOUND',
    );
    const message = await expectTrpcError(
      asAdmin.clusters.assign({ userId: owner.id, clusterId: 'somewhere' }),
      'BAD_REQUEST',
    );
    expect(message).toContain("'auto'");
    await expectTrpcError(asAdmin.clusters.unassign({ userId: 'auth0|ghost' }), 'NOT_FOUND');
    await expectTrpcError(
      asAdmin.clusters.assign({ userId: '', clusterId: 'auto' }),
      'BAD_REQUEST',
    );
  });

  it("with 'auto' and no room, refuses with a sentence and still records the alert", async () => {
    await retireAllClusters();
    const full = await makeCluster(db, { name: 'auto-full', maxUsers: 1 });
    await assignDirect(db, (await makeUser(db)).id, full.id);
    const owner = await makeUser(db, { email: 'late@auto.test', stripeCustomerId: 'cus_1' });
    const message = await expectTrpcError(
      asAdmin.clusters.assign({ userId: owner.id, clusterId: 'auto' }),
      'PRECONDITION_FAILED',
    );
    expect(message).toBe(
      'No active cluster has room for the account of late@auto.test (1 user). ' +
        'Admins have been alerted; add capacity or a cluster, then assign again.',
    );
    const events = await db
      .selectFrom('events')
      .selectAll()
      .where('kind', '=', 'cluster.no_room')
      .execute();
    expect(
      events.filter((e) => (e.payload as { ownerId: string }).ownerId === owner.id),
    ).toHaveLength(1);
    expect(await clusterOf(db, owner.id)).toBeNull();

    // With room again, 'auto' assigns anyone, eligible or not, and says so.
    const roomy = await makeCluster(db, { name: 'auto-roomy', maxUsers: 5 });
    const answer = await asAdmin.clusters.assign({ userId: owner.id, clusterId: 'auto' });
    expect(answer).toMatchObject({
      status: 'assigned',
      cluster: { id: roomy.id },
      fromClusterId: null,
    });
    const [assignment] = await db
      .selectFrom('userHopsworksAssignments')
      .select('assignedBy')
      .where('userId', '=', owner.id)
      .execute();
    expect(assignment!.assignedBy).toBe(`admin:${admin.id}`);
    const again = await asAdmin.clusters.assign({ userId: owner.id, clusterId: 'auto' });
    expect(again).toMatchObject({ status: 'unchanged', cluster: { id: roomy.id } });
  });

  it('unassigns a whole account', async () => {
    const cluster = await makeCluster(db, { maxUsers: 10 });
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await asAdmin.clusters.assign({ userId: owner.id, clusterId: cluster.id });
    expect(await clusterOf(db, member.id)).toBe(cluster.id);
    const answer = await asAdmin.clusters.unassign({ userId: owner.id });
    expect(answer).toEqual({
      status: 'unassigned',
      ownerId: owner.id,
      fromClusterId: cluster.id,
      users: 2,
    });
    expect(await clusterOf(db, owner.id)).toBeNull();
    expect(await clusterOf(db, member.id)).toBeNull();
    expect(await currentUsers(db, cluster.id)).toBe(0);
    expect(await auditRows(db, 'clusters.unassign', owner.id)).toHaveLength(1);
    expect(await asAdmin.clusters.unassign({ userId: owner.id })).toMatchObject({
      status: 'unchanged',
    });
    expect(await auditRows(db, 'clusters.unassign', owner.id)).toHaveLength(1);
  });

  it('records the Slack bot acting for an admin as via slack', async () => {
    const cluster = await makeCluster(db, { maxUsers: 10 });
    const owner = await makeUser(db);
    const bot = await callerAs(db, { service: true, actAs: admin.id }, deps);
    await bot.clusters.assign({ userId: owner.id, clusterId: cluster.id });
    const [audit] = await auditRows(db, 'clusters.assign', owner.id);
    expect(audit).toMatchObject({ actorUserId: admin.id, via: 'slack' });
  });

  it('is for admins only', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    const asOwner = await callerAs(db, { userId: owner.id });
    await expectTrpcError(
      asOwner.clusters.assign({ userId: owner.id, clusterId: cluster.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(asOwner.clusters.unassign({ userId: owner.id }), 'FORBIDDEN');
    const anonymous = await callerAs(db, { anonymous: true });
    await expectTrpcError(
      anonymous.clusters.assign({ userId: owner.id, clusterId: 'auto' }),
      'UNAUTHORIZED',
    );
    await expectTrpcError(anonymous.clusters.unassign({ userId: owner.id }), 'UNAUTHORIZED');
    expect(await clusterOf(db, owner.id)).toBeNull();
  });
});

describe('clusters.previewAssign: check first, confirm second', () => {
  it('says who would move, from which cluster to which, and warns of maintenance; changes nothing', async () => {
    const from = await makeCluster(db, { name: 'pv-from', maxUsers: 10 });
    const to = await makeCluster(db, { name: 'pv-maint', maxUsers: 10, status: 'maintenance' });
    const owner = await makeUser(db, { email: 'pv.owner@preview.test', name: 'Pia Preview' });
    const member = await makeUser(db, { owner: owner.id });
    for (const u of [owner, member]) await assignDirect(db, u.id, from.id);

    const preview = await asAdmin.clusters.previewAssign({
      email: 'PV.Owner@preview.test',
      clusterId: to.id,
    });
    expect(preview).toEqual({
      ok: true,
      change: 'move',
      owner: { id: owner.id, email: 'pv.owner@preview.test', name: 'Pia Preview' },
      users: 2,
      members: 1,
      from: { id: from.id, name: 'pv-from', status: 'active', currentUsers: 2, maxUsers: 10 },
      to: { id: to.id, name: 'pv-maint', status: 'maintenance', currentUsers: 0, maxUsers: 10 },
      auto: false,
      warnings: [
        "pv-maint is in maintenance: the account's people may not be able to work there until it is active again.",
      ],
    });
    // A preview is a read: nobody moved, nothing audited.
    expect(await clusterOf(db, owner.id)).toBe(from.id);
    expect(await auditRows(db, 'clusters.move', owner.id)).toHaveLength(0);

    const here = await asAdmin.clusters.previewAssign({ userId: owner.id, clusterId: from.id });
    expect(here).toMatchObject({ ok: true, change: 'unchanged', warnings: [] });
  });

  it('refuses, with the sentence assign would give, an unknown e-mail, a member, a suspended account, an inactive or full cluster', async () => {
    const cluster = await makeCluster(db, { name: 'pv-target', maxUsers: 2 });
    const owner = await makeUser(db, { email: 'pv.team@preview.test' });
    const member = await makeUser(db, { owner: owner.id, email: 'pv.member@preview.test' });
    await makeUser(db, { owner: owner.id });
    const suspended = await makeUser(db, { email: 'pv.gone@preview.test', status: 'suspended' });
    const inactive = await makeCluster(db, { name: 'pv-off', status: 'inactive' });

    const cases = [
      {
        key: { email: 'nobody@preview.test' },
        clusterId: cluster.id,
        reason: 'no_such_user',
        message: 'No user has the e-mail nobody@preview.test.',
      },
      {
        key: { email: member.email },
        clusterId: cluster.id,
        reason: 'member',
        message:
          'pv.member@preview.test is a member of another account and moves with it; assign the account owner instead.',
        assign: 'BAD_REQUEST',
      },
      {
        key: { email: suspended.email },
        clusterId: cluster.id,
        reason: 'account_inactive',
        message:
          'The account of pv.gone@preview.test is suspended. Reactivate it before assigning it to a cluster.',
        assign: 'PRECONDITION_FAILED',
      },
      {
        key: { email: suspended.email },
        clusterId: 'auto',
        reason: 'account_inactive',
        message:
          'The account of pv.gone@preview.test is suspended. Reactivate it before assigning it to a cluster.',
        assign: 'PRECONDITION_FAILED',
      },
      {
        key: { email: owner.email },
        clusterId: inactive.id,
        reason: 'cluster_inactive',
        message: 'Cluster pv-off is inactive and takes no accounts.',
        assign: 'PRECONDITION_FAILED',
      },
      {
        key: { email: owner.email },
        clusterId: cluster.id,
        reason: 'no_room',
        message: 'Cluster pv-target has room for 2 more user(s), but the account has 3.',
        assign: 'PRECONDITION_FAILED',
      },
      {
        key: { email: owner.email },
        clusterId: '00000000-0000-4000-8000-000000000003',
        reason: 'no_such_cluster',
        message: 'There is no such cluster.',
        assign: 'NOT_FOUND',
      },
    ] as const;
    for (const c of cases) {
      const preview = await asAdmin.clusters.previewAssign({ ...c.key, clusterId: c.clusterId });
      expect(preview).toEqual({ ok: false, reason: c.reason, message: c.message });
      if ('assign' in c) {
        const user = await db
          .selectFrom('users')
          .select('id')
          .where('email', '=', c.key.email)
          .executeTakeFirstOrThrow();
        // The assignment itself says the very same thing.
        expect(
          await expectTrpcError(
            asAdmin.clusters.assign({ userId: user.id, clusterId: c.clusterId }),
            c.assign,
          ),
        ).toBe(c.message);
      }
    }
    expect(await clusterOf(db, suspended.id)).toBeNull();
    expect(await clusterOf(db, owner.id)).toBeNull();
    expect(await currentUsers(db, cluster.id)).toBe(0);
  });

  it("with 'auto', names the cluster assign would pick, or says there is no room", async () => {
    await retireAllClusters();
    const busy = await makeCluster(db, { name: 'pv-auto-busy', maxUsers: 4 });
    await assignDirect(db, (await makeUser(db)).id, busy.id);
    const quiet = await makeCluster(db, { name: 'pv-auto-quiet', maxUsers: 4 });
    const owner = await makeUser(db, { email: 'pv.auto@preview.test' });
    const preview = await asAdmin.clusters.previewAssign({ userId: owner.id, clusterId: 'auto' });
    expect(preview).toMatchObject({ ok: true, change: 'assign', auto: true, to: { id: quiet.id } });
    const done = await asAdmin.clusters.assign({ userId: owner.id, clusterId: 'auto' });
    expect(done.status === 'assigned' && done.cluster.id).toBe(quiet.id);

    await retireAllClusters();
    const other = await makeUser(db, { email: 'pv.noroom@preview.test' });
    expect(await asAdmin.clusters.previewAssign({ userId: other.id, clusterId: 'auto' })).toEqual({
      ok: false,
      reason: 'no_room',
      message:
        'No active cluster has room for the account of pv.noroom@preview.test (1 user). Add capacity or a cluster, then assign again.',
    });
    // A preview raises no alert: only a real assignment does.
    const alerts = await db
      .selectFrom('events')
      .selectAll()
      .where('kind', '=', 'cluster.no_room')
      .execute();
    expect(alerts.filter((e) => (e.payload as { ownerId: string }).ownerId === other.id)).toEqual(
      [],
    );
  });

  it('refuses a malformed e-mail, or neither or both of e-mail and id, with a sentence', async () => {
    const cluster = await makeCluster(db);
    expect(
      await expectTrpcError(
        asAdmin.clusters.previewAssign({ email: 'not an email', clusterId: cluster.id }),
        'BAD_REQUEST',
      ),
    ).toBe('Enter a valid e-mail address.');
    expect(
      await expectTrpcError(
        asAdmin.clusters.previewAssign({ clusterId: cluster.id }),
        'BAD_REQUEST',
      ),
    ).toBe('Give either the user id or the e-mail address of the account owner.');
  });
});

describe('input refusals are sentences that name the field', () => {
  it('says what is wrong with the capacity, an id or a missing field, never zod’s own words', async () => {
    const base = { name: 'sentences-1', apiUrl: 'https://ok.test', apiKey: 'k', maxUsers: 10 };
    const refusals: [Promise<unknown>, string][] = [
      [
        asAdmin.clusters.create({ ...base, maxUsers: 2_000_000 }),
        'Capacity can be at most 1,000,000 users.',
      ],
      [
        asAdmin.clusters.create({ ...base, maxUsers: 1.5 }),
        'Capacity must be a whole number of users, like 25.',
      ],
      [asAdmin.clusters.create({ ...base, maxUsers: 0 }), 'Capacity must be at least 1 user.'],
      [
        asAdmin.clusters.get({ id: 'abc' }),
        'The id must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list).',
      ],
      [
        asAdmin.clusters.create({ ...base, apiKey: undefined as unknown as string }),
        'Give the API key.',
      ],
      [
        asAdmin.clusters.create({ ...base, status: 'broken' as 'active' }),
        'The status must be one of “active”, “maintenance”, “full” or “inactive”.',
      ],
      [
        asAdmin.clusters.create({ ...base, name: 'x'.repeat(101) }),
        'The name can be at most 100 characters long.',
      ],
      [
        asAdmin.usage.daily({ from: '2026-03-02', to: '2026-03-01' }),
        'The start date is after the end date. Pick a start on or before the end.',
      ],
    ];
    for (const [call, sentence] of refusals) {
      const message = await expectTrpcError(call, 'BAD_REQUEST');
      expect(message).toBe(sentence);
      expect(message).not.toMatch(/Invalid input|Too big|Too small|expected|`/);
    }
  });
});

describe('secrets never leave the API', () => {
  it('appear in no answer of any cluster procedure', async () => {
    const key = 'LEAK-CANARY-KEY-5521';
    const kube = 'LEAK-CANARY-KUBE-9090';
    const answers: unknown[] = [];
    const created = await asAdmin.clusters.create({
      name: 'canary',
      apiUrl: 'https://canary.test',
      apiKey: key,
      kubeconfig: kube,
      maxUsers: 10,
    });
    answers.push(created);
    const owner = await makeUser(db);
    answers.push(
      await asAdmin.clusters.update({
        id: created.id,
        apiKey: key,
        kubeconfig: kube,
        maxUsers: 11,
      }),
    );
    answers.push(await asAdmin.clusters.assign({ userId: owner.id, clusterId: created.id }));
    answers.push(await asAdmin.clusters.list());
    answers.push(await asAdmin.clusters.get({ id: created.id }));
    answers.push(await (await callerAs(db, { userId: owner.id })).clusters.mine());
    answers.push(await asAdmin.clusters.unassign({ userId: owner.id }));
    answers.push(await asAdmin.audit.list({ limit: 500 }));
    answers.push(await asAdmin.admin.users.get({ userId: owner.id }));
    expectNoSecrets(answers, key, kube);
    // The canary is really in the database, only sealed.
    expect(deps.secrets.decrypt((await storedSecrets(created.id)).apiKey)).toBe(key);
  });
});

describe('who may call', () => {
  it('refuses members (FORBIDDEN) and anonymous callers (UNAUTHORIZED) on every admin procedure', async () => {
    const cluster = await makeCluster(db, { name: 'guarded' });
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const calls = (caller: Awaited<ReturnType<typeof callerAs>>) => [
      caller.clusters.list(),
      caller.clusters.get({ id: cluster.id }),
      caller.clusters.create({
        name: 'x-guard',
        apiUrl: 'https://x.test',
        apiKey: 'k',
        maxUsers: 1,
      }),
      caller.clusters.update({ id: cluster.id, maxUsers: 1 }),
      caller.clusters.assign({ userId: owner.id, clusterId: cluster.id }),
      caller.clusters.assign({ userId: owner.id, clusterId: 'auto' }),
      caller.clusters.unassign({ userId: owner.id }),
      caller.clusters.previewAssign({ userId: owner.id, clusterId: cluster.id }),
    ];
    for (const call of calls(await callerAs(db, { userId: member.id }))) {
      expect(await expectTrpcError(call, 'FORBIDDEN')).toBe('Only an admin can do this.');
    }
    for (const call of calls(await callerAs(db, { anonymous: true }))) {
      await expectTrpcError(call, 'UNAUTHORIZED');
    }
    expect(await clusterOf(db, owner.id)).toBeNull();
    expect(await currentUsers(db, cluster.id)).toBe(0);
    const row = await db
      .selectFrom('hopsworksClusters')
      .select('maxUsers')
      .where('id', '=', cluster.id)
      .executeTakeFirstOrThrow();
    expect(row.maxUsers).toBe(100);
    // A member may still see their own cluster (none here).
    expect(await (await callerAs(db, { userId: member.id })).clusters.mine()).toBeNull();
  });
});

describe('a cluster’s OpenCost and trust (SPEC §9)', () => {
  const pem = selfSignedCertificate().cert;
  const TOKEN = 'opencost-token-PLAIN-7f2a';

  it('stores the OpenCost URL, the token sealed and write-only, and the CA certificate', async () => {
    const created = await asAdmin.clusters.create({
      name: 'collected-1',
      apiUrl: 'https://collected.hopsworks.test',
      apiKey: 'k',
      maxUsers: 10,
      openCostUrl: 'https://k8s.test/api/v1/namespaces/opencost/services/opencost:9003/proxy',
      openCostToken: TOKEN,
      caCertificate: pem,
    });
    expect(created).toMatchObject({
      openCostUrl: 'https://k8s.test/api/v1/namespaces/opencost/services/opencost:9003/proxy',
      hasOpenCostToken: true,
      caCertificate: pem.trim(),
    });
    expectNoSecrets(created, TOKEN);
    const stored = await db
      .selectFrom('hopsworksClusters')
      .select(['opencostToken'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(deps.secrets.decrypt(stored.opencostToken!)).toBe(TOKEN);
    const [audit] = await auditRows(db, 'clusters.create', created.id);
    expectNoSecrets(audit, TOKEN);

    // Omitted keeps each; null clears each; the audit names what changed, never the token.
    expect(await asAdmin.clusters.update({ id: created.id, maxUsers: 11 })).toMatchObject({
      hasOpenCostToken: true,
      caCertificate: pem.trim(),
    });
    const cleared = await asAdmin.clusters.update({
      id: created.id,
      openCostUrl: null,
      openCostToken: null,
      caCertificate: null,
    });
    expect(cleared).toMatchObject({
      openCostUrl: null,
      hasOpenCostToken: false,
      caCertificate: null,
    });
    const [update] = (await auditRows(db, 'clusters.update', created.id)).slice(-1);
    expect(update!.details).toMatchObject({
      changed: ['openCostUrl', 'openCostToken', 'caCertificate'],
    });
  });

  it('refuses an http OpenCost URL and a certificate that is not one, in sentences, changing nothing', async () => {
    const cluster = await asAdmin.clusters.create({
      name: 'collected-2',
      apiUrl: 'https://c2.hopsworks.test',
      apiKey: 'k',
      maxUsers: 3,
    });
    const http = await expectTrpcError(
      asAdmin.clusters.update({ id: cluster.id, openCostUrl: 'http://opencost.test' }),
      'BAD_REQUEST',
    );
    expect(http).toMatch(/https/i);
    const notPem = await expectTrpcError(
      asAdmin.clusters.update({ id: cluster.id, caCertificate: 'hello' }),
      'BAD_REQUEST',
    );
    expect(notPem).toContain('Paste the CA certificate in PEM form');
    const broken = await expectTrpcError(
      asAdmin.clusters.update({
        id: cluster.id,
        caCertificate: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----',
      }),
      'BAD_REQUEST',
    );
    expect(broken).toMatch(
      /^The CA certificate could not be read as an X\.509 certificate \(.+\)\. Paste the whole PEM block\.$/,
    );
    expect((await asAdmin.clusters.get({ id: cluster.id })).cluster).toMatchObject({
      openCostUrl: null,
      caCertificate: null,
    });
  });
});
