// The rules SPEC §2 puts in the database itself: every CHECK, UNIQUE, foreign-key action and
// trigger, each shown refusing (by SQLSTATE and constraint name) or doing what it must.
import { randomBytes } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { UsageDaily } from './schema.ts';
import { expectPgError, PgCode, useTestDatabase } from './testing/index.ts';

const { db, url } = await useTestDatabase();

let counter = 0;
/** A name no other test in this file uses, so the tests share one database safely. */
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

async function addUser(
  values: { id?: string; email?: string; accountOwnerId?: string | null } & Record<
    string,
    unknown
  > = {},
): Promise<string> {
  const id = values.id ?? unique('auth0|user-');
  await db
    .insertInto('users')
    .values({ email: `${id.replace('|', '-')}@acme.test`, ...values, id })
    .execute();
  return id;
}

async function addOwnerWithMember(): Promise<{ owner: string; member: string }> {
  const owner = await addUser();
  const member = await addUser({ accountOwnerId: owner });
  return { owner, member };
}

async function addCluster(values: Record<string, unknown> = {}): Promise<string> {
  const name = unique('test-cluster-');
  const row = await db
    .insertInto('hopsworksClusters')
    .values({ name, apiUrl: `https://${name}.hopsworks.test`, apiKey: 'enc:v1:x:y:z', ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function assign(userId: string, clusterId: string): Promise<void> {
  await db
    .insertInto('userHopsworksAssignments')
    .values({ userId, hopsworksClusterId: clusterId })
    .execute();
}

async function currentUsers(clusterId: string): Promise<number> {
  const row = await db
    .selectFrom('hopsworksClusters')
    .select('currentUsers')
    .where('id', '=', clusterId)
    .executeTakeFirstOrThrow();
  return row.currentUsers;
}

function token(): string {
  return randomBytes(32).toString('hex');
}

async function addInvite(ownerId: string, email: string, values: Record<string, unknown> = {}) {
  return db
    .insertInto('teamInvites')
    .values({ accountOwnerId: ownerId, email, token: token(), ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
}

function usageRow(
  userId: string,
  values: Partial<Insertable<UsageDaily>> = {},
): Insertable<UsageDaily> {
  return { userId, accountOwnerId: userId, date: '2025-09-01', rateCard: '2025-08', ...values };
}

async function addLedgerEntry(userId: string) {
  return db
    .insertInto('creditTransactions')
    .values({
      userId,
      kind: 'purchase',
      pool: 'paid',
      amount: '10.0000',
      balanceAfter: '10.0000',
      actor: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

describe('users', () => {
  it('refuses a status outside active, suspended, deleted', async () => {
    for (const status of ['active', 'suspended', 'deleted']) await addUser({ status });
    await expectPgError(addUser({ status: 'banned' }), {
      code: PgCode.checkViolation,
      constraint: 'users_status_check',
    });
    const id = await addUser();
    await expectPgError(
      // 'Active' is outside the column's union on purpose: the database must refuse it too.
      db
        .updateTable('users')
        .set({ status: 'Active' as never })
        .where('id', '=', id)
        .execute(),
      {
        code: PgCode.checkViolation,
        constraint: 'users_status_check',
      },
    );
  });

  it('refuses a billing mode outside prepaid, postpaid', async () => {
    await addUser({ billingMode: 'prepaid' });
    await addUser({ billingMode: 'postpaid' });
    await expectPgError(addUser({ billingMode: 'monthly' }), {
      code: PgCode.checkViolation,
      constraint: 'users_billing_mode_check',
    });
  });

  it('defaults to an active postpaid owner', async () => {
    const id = await addUser();
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({
      status: 'active',
      billingMode: 'postpaid',
      accountOwnerId: null,
      isAdmin: false,
      loginCount: 0,
      featureFlags: {},
      metadata: {},
    });
  });

  it('refuses a user who owns themself, on insert and on update', async () => {
    const id = unique('auth0|self-');
    await expectPgError(addUser({ id, accountOwnerId: id }), {
      code: PgCode.checkViolation,
      constraint: 'users_not_own_owner_check',
    });
    const owner = await addUser();
    await expectPgError(
      db.updateTable('users').set({ accountOwnerId: owner }).where('id', '=', owner).execute(),
      { code: PgCode.checkViolation, constraint: 'users_not_own_owner_check' },
    );
  });

  it('keeps e-mails unique case-insensitively and stores them as given', async () => {
    const id = await addUser({ email: 'Mixed.Case@Acme.test' });
    await expectPgError(addUser({ email: 'mixed.case@acme.TEST' }), {
      code: PgCode.uniqueViolation,
      constraint: 'users_email_lower_key',
    });
    const other = await addUser();
    await expectPgError(
      db
        .updateTable('users')
        .set({ email: 'MIXED.CASE@ACME.TEST' })
        .where('id', '=', other)
        .execute(),
      { code: PgCode.uniqueViolation, constraint: 'users_email_lower_key' },
    );
    const user = await db
      .selectFrom('users')
      .select('email')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(user.email).toBe('Mixed.Case@Acme.test');
  });

  it('refuses an unknown owner', async () => {
    await expectPgError(addUser({ accountOwnerId: 'auth0|nobody' }), {
      code: PgCode.foreignKeyViolation,
      constraint: 'users_account_owner_id_fkey',
    });
  });
});

describe('no nested teams', () => {
  const nested = { code: PgCode.checkViolation, constraint: 'users_no_nested_teams' };

  it('refuses a new user whose owner is a member', async () => {
    const { member } = await addOwnerWithMember();
    await expectPgError(addUser({ accountOwnerId: member }), nested);
  });

  it('refuses making a user who has members a member of another account', async () => {
    const { owner } = await addOwnerWithMember();
    const otherOwner = await addUser();
    await expectPgError(
      db.updateTable('users').set({ accountOwnerId: otherOwner }).where('id', '=', owner).execute(),
      nested,
    );
  });

  it('refuses giving an existing user an owner who is a member', async () => {
    const { member } = await addOwnerWithMember();
    const loneOwner = await addUser();
    await expectPgError(
      db.updateTable('users').set({ accountOwnerId: member }).where('id', '=', loneOwner).execute(),
      nested,
    );
  });

  it('allows an owner without members to join an account, and a member to move to another owner', async () => {
    const { owner, member } = await addOwnerWithMember();
    const loneOwner = await addUser();
    await db
      .updateTable('users')
      .set({ accountOwnerId: owner })
      .where('id', '=', loneOwner)
      .execute();
    const otherOwner = await addUser();
    await db
      .updateTable('users')
      .set({ accountOwnerId: otherOwner })
      .where('id', '=', member)
      .execute();
    const rows = await db
      .selectFrom('users')
      .select(['id', 'accountOwnerId'])
      .where('id', 'in', [loneOwner, member])
      .orderBy('id')
      .execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.accountOwnerId]))).toEqual({
      [loneOwner]: owner,
      [member]: otherOwner,
    });
  });

  it('holds between concurrent transactions, in both orders', async () => {
    // Two changes that are each fine alone but nest teams together: whichever commits first
    // wins, and the other, which waited for it, must then be refused.
    const join = 'UPDATE users SET account_owner_id = $2 WHERE id = $1';
    const signUp = `INSERT INTO users (id, email, account_owner_id) VALUES ($1, $1 || '@x.test', $2)`;
    type Step = [statement: string, params: string[]];
    const scenarios: ((a: string, b: string, c: string) => [Step, Step])[] = [
      // A joins B's account while B joins C's.
      (a, b, c) => [
        [join, [a, b]],
        [join, [b, c]],
      ],
      // A new member signs up under B while B joins C's account.
      (_, b, c) => [
        [signUp, [unique('new-'), b]],
        [join, [b, c]],
      ],
    ];
    for (const [n, scenario] of scenarios.entries()) {
      for (const reversed of [false, true]) {
        const [a, b, c] = [await addUser(), await addUser(), await addUser()];
        const steps = scenario(a, b, c);
        const [winner, loser] = reversed ? [steps[1], steps[0]] : [steps[0], steps[1]];
        const first = new pg.Client({ connectionString: url });
        const second = new pg.Client({ connectionString: url });
        await first.connect();
        await second.connect();
        try {
          await first.query('BEGIN');
          await first.query(...winner);
          const { rows } = await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          const blocked = second.query(...loser).then(
            () => undefined,
            (error: unknown) => error,
          );
          await waitUntilBlocked(rows[0]!.pid);
          await first.query('COMMIT');
          const error = await blocked;
          const where = `scenario ${n + 1}${reversed ? ', reversed' : ''}`;
          expect(error, where).toBeInstanceOf(pg.DatabaseError);
          expect((error as pg.DatabaseError).constraint, where).toBe('users_no_nested_teams');
        } finally {
          await first.end();
          await second.end();
        }
      }
    }
  });
});

/** Polls from the pool (a fresh statistics snapshot each time) until the backend waits on a lock. */
async function waitUntilBlocked(pid: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql`
      SELECT 1 FROM pg_stat_activity WHERE pid = ${pid} AND wait_event_type = 'Lock'`.execute(db);
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

describe('team_invites', () => {
  it('refuses an unknown project role', async () => {
    const owner = await addUser();
    for (const projectRole of ['Data owner', 'Data scientist', 'Observer']) {
      await addInvite(owner, `${unique('role')}@x.test`, { projectRole });
    }
    await expectPgError(addInvite(owner, 'role@x.test', { projectRole: 'Admin' }), {
      code: PgCode.checkViolation,
      constraint: 'team_invites_project_role_check',
    });
  });

  it('defaults to Data scientist, expiring 7 days after creation', async () => {
    const owner = await addUser();
    const { id } = await addInvite(owner, 'defaults@x.test');
    const invite = await db
      .selectFrom('teamInvites')
      .select([
        'projectRole',
        sql<boolean>`expires_at = created_at + interval '7 days'`.as('sevenDays'),
      ])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(invite).toEqual({ projectRole: 'Data scientist', sevenDays: true });
  });

  it('stores only a SHA-256 hex token, unique', async () => {
    const owner = await addUser();
    await expectPgError(addInvite(owner, 'raw@x.test', { token: 'the-secret-itself' }), {
      code: PgCode.checkViolation,
      constraint: 'team_invites_token_sha256_check',
    });
    const same = token();
    await addInvite(owner, 'one@x.test', { token: same });
    await expectPgError(addInvite(owner, 'two@x.test', { token: same }), {
      code: PgCode.uniqueViolation,
      constraint: 'team_invites_token_key',
    });
  });

  it('allows one open invite per owner and e-mail, in any case', async () => {
    const owner = await addUser();
    const first = await addInvite(owner, 'Pat@Acme.test');
    const oneOpen = { code: PgCode.uniqueViolation, constraint: 'team_invites_one_open_per_email' };
    await expectPgError(addInvite(owner, 'pat@acme.TEST'), oneOpen);

    // Another owner may invite the same person.
    await addInvite(await addUser(), 'pat@acme.test');

    // Once the first is revoked, a new one may be opened...
    await db
      .updateTable('teamInvites')
      .set({ revokedAt: new Date() })
      .where('id', '=', first.id)
      .execute();
    const second = await addInvite(owner, 'PAT@acme.test');
    await expectPgError(addInvite(owner, 'pat@acme.test'), oneOpen);

    // ...and once that one is accepted, too.
    const invitee = await addUser();
    await db
      .updateTable('teamInvites')
      .set({ acceptedAt: new Date(), acceptedByUserId: invitee })
      .where('id', '=', second.id)
      .execute();
    await addInvite(owner, 'pat@acme.test');
  });

  it('refuses reopening an old invite while another is open', async () => {
    const owner = await addUser();
    const old = await addInvite(owner, 'reopen@x.test', { revokedAt: new Date() });
    await addInvite(owner, 'Reopen@x.test');
    await expectPgError(
      db.updateTable('teamInvites').set({ revokedAt: null }).where('id', '=', old.id).execute(),
      { code: PgCode.uniqueViolation, constraint: 'team_invites_one_open_per_email' },
    );
  });
});

describe('user_credits', () => {
  it('refuses paid credits used above purchased', async () => {
    const user = await addUser();
    await expectPgError(
      db
        .insertInto('userCredits')
        .values({ userId: user, totalPurchased: '10', totalUsed: '10.0001' })
        .execute(),
      { code: PgCode.checkViolation, constraint: 'user_credits_paid_used_check' },
    );
    await db
      .insertInto('userCredits')
      .values({ userId: user, totalPurchased: '10', totalUsed: '10' })
      .execute();
    await expectPgError(
      db
        .updateTable('userCredits')
        .set({ totalUsed: '10.0001' })
        .where('userId', '=', user)
        .execute(),
      { code: PgCode.checkViolation, constraint: 'user_credits_paid_used_check' },
    );
  });

  it('refuses free credits used above granted', async () => {
    const user = await addUser();
    await expectPgError(
      db
        .insertInto('userCredits')
        .values({ userId: user, freeCreditsGranted: '5', freeCreditsUsed: '5.5' })
        .execute(),
      { code: PgCode.checkViolation, constraint: 'user_credits_free_used_check' },
    );
    await db
      .insertInto('userCredits')
      .values({ userId: user, freeCreditsGranted: '5', freeCreditsUsed: '5' })
      .execute();
  });

  it('refuses negative amounts and a second row for a user', async () => {
    const user = await addUser();
    for (const column of [
      'totalUsed',
      'freeCreditsUsed',
      'cpuHoursUsed',
      'gpuHoursUsed',
      'storageGbMonths',
    ] as const) {
      await expectPgError(
        db
          .insertInto('userCredits')
          .values({ userId: user, [column]: '-0.0001' })
          .execute(),
        { code: PgCode.checkViolation, constraint: 'user_credits_non_negative_check' },
      );
    }
    // A negative purchase or grant breaks two checks at once; either may be the one reported.
    for (const column of ['totalPurchased', 'freeCreditsGranted'] as const) {
      await expectPgError(
        db
          .insertInto('userCredits')
          .values({ userId: user, [column]: '-0.0001' })
          .execute(),
        {
          code: PgCode.checkViolation,
          constraint: /^user_credits_(non_negative|paid_used|free_used)_check$/,
        },
      );
    }
    await expectPgError(
      db.insertInto('userCredits').values({ userId: user, unpaidUsage: '-1' }).execute(),
      { code: PgCode.checkViolation, constraint: 'user_credits_unpaid_usage_check' },
    );
    await db.insertInto('userCredits').values({ userId: user }).execute();
    await expectPgError(db.insertInto('userCredits').values({ userId: user }).execute(), {
      code: PgCode.uniqueViolation,
      constraint: 'user_credits_user_id_key',
    });
  });
});

describe('usage_daily', () => {
  it('refuses a second row for the same user and day', async () => {
    const user = await addUser();
    await db.insertInto('usageDaily').values(usageRow(user)).execute();
    await db
      .insertInto('usageDaily')
      .values(usageRow(user, { date: '2025-09-02' }))
      .execute();
    await expectPgError(db.insertInto('usageDaily').values(usageRow(user)).execute(), {
      code: PgCode.uniqueViolation,
      // usage_daily is partitioned (migration 0015): the error names the partition's index.
      constraint: /^usage_daily_(\d{4}_\d{2}_|default_)user_id_date_key$/,
    });
  });

  it('refuses negative quantities and costs', async () => {
    const user = await addUser();
    let day = 1;
    const nextDay = () => `2025-10-${String(day++).padStart(2, '0')}`;
    for (const column of [
      'cpuHours',
      'gpuHours',
      'ramGbHours',
      'onlineStorageGb',
      'offlineStorageGb',
      'networkEgressGb',
    ] as const) {
      await expectPgError(
        db
          .insertInto('usageDaily')
          .values(usageRow(user, { date: nextDay(), [column]: '-0.0001' }))
          .execute(),
        { code: PgCode.checkViolation, constraint: 'usage_daily_quantities_non_negative_check' },
      );
    }
    // A negative part balanced by the total still fails on the sign.
    await expectPgError(
      db
        .insertInto('usageDaily')
        .values(usageRow(user, { date: nextDay(), cpuCost: '-1', gpuCost: '1', totalCost: '0' }))
        .execute(),
      { code: PgCode.checkViolation, constraint: 'usage_daily_costs_non_negative_check' },
    );
  });

  it('refuses a total_cost that is not the sum of its parts', async () => {
    const user = await addUser();
    const parts = {
      cpuCost: '0.1250',
      gpuCost: '2.5000',
      ramCost: '0.0125',
      storageCost: '0.0161',
      networkCost: '0.1000',
    };
    await expectPgError(
      db
        .insertInto('usageDaily')
        .values(usageRow(user, { ...parts, totalCost: '2.7537' }))
        .execute(),
      { code: PgCode.checkViolation, constraint: 'usage_daily_total_cost_check' },
    );
    await expectPgError(
      db
        .insertInto('usageDaily')
        .values(usageRow(user, { cpuCost: '1' }))
        .execute(),
      { code: PgCode.checkViolation, constraint: 'usage_daily_total_cost_check' },
    );
    const row = await db
      .insertInto('usageDaily')
      .values(usageRow(user, { ...parts, totalCost: '2.7536' }))
      .returning(['id', 'totalCost'])
      .executeTakeFirstOrThrow();
    expect(row.totalCost).toBe('2.7536');
    await expectPgError(
      db.updateTable('usageDaily').set({ gpuCost: '2.6000' }).where('id', '=', row.id).execute(),
      { code: PgCode.checkViolation, constraint: 'usage_daily_total_cost_check' },
    );
  });

  it('refuses an unknown user or payer', async () => {
    const user = await addUser();
    await expectPgError(
      db
        .insertInto('usageDaily')
        .values(usageRow('auth0|ghost', { accountOwnerId: user }))
        .execute(),
      { code: PgCode.foreignKeyViolation, constraint: 'usage_daily_user_id_fkey' },
    );
    await expectPgError(
      db
        .insertInto('usageDaily')
        .values(usageRow(user, { accountOwnerId: 'auth0|ghost' }))
        .execute(),
      { code: PgCode.foreignKeyViolation, constraint: 'usage_daily_account_owner_id_fkey' },
    );
  });
});

describe('hopsworks_clusters', () => {
  it('refuses max_users of 0 or less', async () => {
    await addCluster({ maxUsers: 1 });
    for (const maxUsers of [0, -5]) {
      await expectPgError(addCluster({ maxUsers }), {
        code: PgCode.checkViolation,
        constraint: 'hopsworks_clusters_max_users_check',
      });
    }
  });

  it('refuses a status outside active, maintenance, full, inactive', async () => {
    for (const status of ['active', 'maintenance', 'full', 'inactive'])
      await addCluster({ status });
    await expectPgError(addCluster({ status: 'broken' }), {
      code: PgCode.checkViolation,
      constraint: 'hopsworks_clusters_status_check',
    });
  });

  it('refuses an api_url that is not https', async () => {
    for (const apiUrl of [
      'http://plain.hopsworks.test',
      'ftp://x',
      'hopsworks.test',
      'HTTPS://upper.test',
    ]) {
      await expectPgError(addCluster({ apiUrl }), {
        code: PgCode.checkViolation,
        constraint: 'hopsworks_clusters_api_url_check',
      });
    }
  });

  it('refuses a second cluster with the same name', async () => {
    const name = unique('dup-');
    await addCluster({ name });
    await expectPgError(addCluster({ name }), {
      code: PgCode.uniqueViolation,
      constraint: 'hopsworks_clusters_name_key',
    });
  });

  it('refuses a new cluster that does not start at current_users = 0', async () => {
    const managed = {
      code: PgCode.checkViolation,
      constraint: 'hopsworks_clusters_current_users_managed',
    };
    await expectPgError(addCluster({ currentUsers: 3 }), managed);
    await expectPgError(addCluster({ currentUsers: -1 }), managed);
    const id = await addCluster({ currentUsers: 0 });
    expect(await currentUsers(id)).toBe(0);
  });

  it('refuses current_users written by hand', async () => {
    const managed = {
      code: PgCode.checkViolation,
      constraint: 'hopsworks_clusters_current_users_managed',
    };
    const id = await addCluster();
    await assign(await addUser(), id);
    for (const value of [0, 2, 100]) {
      await expectPgError(
        db
          .updateTable('hopsworksClusters')
          .set({ currentUsers: value })
          .where('id', '=', id)
          .execute(),
        managed,
      );
    }
    await expectPgError(
      db
        .updateTable('hopsworksClusters')
        .set((eb) => ({ currentUsers: eb('currentUsers', '+', 1) }))
        .where('id', '=', id)
        .execute(),
      managed,
    );
    // Writing the same value is no change, and other columns stay writable.
    await db
      .updateTable('hopsworksClusters')
      .set({ currentUsers: 1, status: 'full' })
      .where('id', '=', id)
      .execute();
    expect(await currentUsers(id)).toBe(1);
  });
});

describe('current_users triggers', () => {
  it('count assignments on insert, move, delete and cascade', async () => {
    const [a, b] = [await addCluster(), await addCluster()];
    const [u1, u2, u3] = [await addUser(), await addUser(), await addUser()];
    await assign(u1, a);
    await assign(u2, a);
    await assign(u3, b);
    expect([await currentUsers(a), await currentUsers(b)]).toEqual([2, 1]);

    await db
      .updateTable('userHopsworksAssignments')
      .set({ hopsworksClusterId: b })
      .where('userId', '=', u1)
      .execute();
    expect([await currentUsers(a), await currentUsers(b)]).toEqual([1, 2]);

    // Updating other columns, or "moving" to the same cluster, changes nothing.
    await db
      .updateTable('userHopsworksAssignments')
      .set({ hopsworksClusterId: b, hopsworksUsername: 'renamed' })
      .where('userId', '=', u1)
      .execute();
    expect([await currentUsers(a), await currentUsers(b)]).toEqual([1, 2]);

    // One statement moving many rows.
    await db
      .updateTable('userHopsworksAssignments')
      .set({ hopsworksClusterId: a })
      .where('userId', 'in', [u1, u3])
      .execute();
    expect([await currentUsers(a), await currentUsers(b)]).toEqual([3, 0]);

    await db.deleteFrom('userHopsworksAssignments').where('userId', '=', u2).execute();
    await db.deleteFrom('users').where('id', '=', u3).execute();
    expect([await currentUsers(a), await currentUsers(b)]).toEqual([1, 0]);
  });

  it('refuse a second assignment for a user and an unknown cluster', async () => {
    const a = await addCluster();
    const user = await addUser();
    await assign(user, a);
    await expectPgError(assign(user, a), {
      code: PgCode.uniqueViolation,
      constraint: 'user_hopsworks_assignments_user_id_key',
    });
    await expectPgError(assign(await addUser(), '00000000-0000-4000-8000-000000000000'), {
      code: PgCode.foreignKeyViolation,
      constraint: 'user_hopsworks_assignments_hopsworks_cluster_id_fkey',
    });
    expect(await currentUsers(a)).toBe(1);
  });

  it('increment_cluster_users / decrement_cluster_users recount exactly', async () => {
    const a = await addCluster();
    for (let i = 0; i < 3; i++) await assign(await addUser(), a);
    const recount = async (fn: 'increment_cluster_users' | 'decrement_cluster_users') => {
      await sql`SELECT ${sql.raw(fn)}(${a}::uuid)`.execute(db);
      return currentUsers(a);
    };
    // Called on an exact counter they change nothing (the old ones added and subtracted).
    expect(await recount('increment_cluster_users')).toBe(3);
    expect(await recount('decrement_cluster_users')).toBe(3);

    // A counter that drifted (possible only by impersonating the trigger) is repaired by either.
    for (const fn of ['increment_cluster_users', 'decrement_cluster_users'] as const) {
      await db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('hops.maintaining_current_users', 'on', true)`.execute(trx);
        await trx
          .updateTable('hopsworksClusters')
          .set({ currentUsers: 17 })
          .where('id', '=', a)
          .execute();
      });
      expect(await currentUsers(a)).toBe(17);
      expect(await recount(fn)).toBe(3);
    }
  });
});

describe('updated_at triggers', () => {
  const past = new Date('2020-01-01T00:00:00Z');

  async function movesUpdatedAt(table: string, where: string, change: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      // Even an explicit updated_at in the UPDATE is overridden by the trigger.
      await sql`UPDATE ${sql.table(table)} SET ${sql.raw(change)}, updated_at = ${past}
                WHERE ${sql.raw(where)}`.execute(trx);
      const { rows } = await sql<{ moved: boolean }>`
        SELECT bool_and(updated_at = now()) AS moved FROM ${sql.table(table)} WHERE ${sql.raw(where)}`.execute(
        trx,
      );
      expect(rows[0]?.moved, table).toBe(true);
    });
  }

  it('move updated_at on every table that has one', async () => {
    const user = await addUser({ updatedAt: past });
    await movesUpdatedAt('users', `id = '${user}'`, `name = 'Renamed'`);

    await db.insertInto('userCredits').values({ userId: user, updatedAt: past }).execute();
    await movesUpdatedAt('user_credits', `user_id = '${user}'`, `total_purchased = 5`);

    const cluster = await addCluster({ updatedAt: past });
    await movesUpdatedAt('hopsworks_clusters', `id = '${cluster}'`, `status = 'maintenance'`);

    await db
      .insertInto('usageDaily')
      .values(usageRow(user, { updatedAt: past }))
      .execute();
    await movesUpdatedAt('usage_daily', `user_id = '${user}'`, `reported_to_stripe = true`);

    await db
      .insertInto('stripeProducts')
      .values({
        productType: 'cpu',
        stripeProductId: 'prod_1',
        stripePriceId: 'price_1',
        unitPrice: '0.125',
        unitName: 'hour',
        updatedAt: past,
      })
      .execute();
    await movesUpdatedAt('stripe_products', `stripe_product_id = 'prod_1'`, `active = false`);

    await db.insertInto('eventCursors').values({ consumer: 'test', updatedAt: past }).execute();
    await movesUpdatedAt('event_cursors', `consumer = 'test'`, `last_event_id = 5`);

    // Every table with an updated_at column has the trigger: none was forgotten.
    const { rows } = await sql<{ table: string }>`
      SELECT c.table_name AS table FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.column_name = 'updated_at'
        AND c.table_name IN (SELECT table_name FROM information_schema.tables
                             WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
        AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                        WHERE t.tgrelid = format('public.%I', c.table_name)::regclass
                          AND t.tgfoid = 'update_updated_at_column'::regproc)`.execute(db);
    expect(rows).toEqual([]);
  });
});

describe('append-only tables', () => {
  const appendOnly = { code: PgCode.restrictViolation, message: /append-only/ };

  it('credit_transactions refuses UPDATE and DELETE', async () => {
    const user = await addUser();
    const entry = await addLedgerEntry(user);
    await expectPgError(
      db
        .updateTable('creditTransactions')
        .set({ description: 'edited' })
        .where('id', '=', entry.id)
        .execute(),
      appendOnly,
    );
    await expectPgError(
      db.deleteFrom('creditTransactions').where('id', '=', entry.id).execute(),
      appendOnly,
    );
    const count = await db
      .selectFrom('creditTransactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '=', entry.id)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('credit_transactions checks kind, pool, amount and balance', async () => {
    const user = await addUser();
    const base = {
      userId: user,
      kind: 'grant' as const,
      pool: 'free' as const,
      amount: '1',
      balanceAfter: '1',
      actor: 't',
    };
    await db.insertInto('creditTransactions').values(base).execute();
    const cases: [Record<string, string>, string][] = [
      [{ kind: 'gift' }, 'credit_transactions_kind_check'],
      [{ pool: 'bonus' }, 'credit_transactions_pool_check'],
      [{ amount: '0' }, 'credit_transactions_amount_check'],
      [{ balanceAfter: '-0.0001' }, 'credit_transactions_balance_check'],
    ];
    for (const [change, constraint] of cases) {
      await expectPgError(
        db
          .insertInto('creditTransactions')
          // The changes step outside the columns' unions on purpose.
          .values({ ...base, ...change } as typeof base)
          .execute(),
        {
          code: PgCode.checkViolation,
          constraint,
        },
      );
    }
  });

  it('audit_log refuses UPDATE and DELETE', async () => {
    const entry = await db
      .insertInto('auditLog')
      .values({ via: 'system', action: 'test.append' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expectPgError(
      db
        .updateTable('auditLog')
        .set({ action: 'test.edited' })
        .where('id', '=', entry.id)
        .execute(),
      appendOnly,
    );
    await expectPgError(db.deleteFrom('auditLog').where('id', '=', entry.id).execute(), appendOnly);
    await expectPgError(
      db
        .insertInto('auditLog')
        .values({ via: 'email' as never, action: 'x' })
        .execute(),
      {
        code: PgCode.checkViolation,
        constraint: 'audit_log_via_check',
      },
    );
  });

  it('a usage row the ledger points at cannot be deleted (SET NULL would edit the ledger)', async () => {
    const user = await addUser();
    const usage = await db
      .insertInto('usageDaily')
      .values(usageRow(user, { cpuCost: '1', totalCost: '1' }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('creditTransactions')
      .values({
        userId: user,
        kind: 'grant',
        pool: 'free',
        amount: '5',
        balanceAfter: '5',
        actor: 't',
      })
      .execute();
    await db
      .insertInto('creditTransactions')
      .values({
        userId: user,
        kind: 'usage',
        pool: 'free',
        amount: '-1',
        balanceAfter: '4',
        usageDailyId: usage.id,
        actor: 't',
      })
      .execute();
    await expectPgError(
      db.deleteFrom('usageDaily').where('id', '=', usage.id).execute(),
      appendOnly,
    );
  });
});

describe('foreign-key actions', () => {
  it('refuses deleting a cluster that has assignments (RESTRICT), allows it once empty', async () => {
    const cluster = await addCluster();
    const user = await addUser();
    await assign(user, cluster);
    await expectPgError(db.deleteFrom('hopsworksClusters').where('id', '=', cluster).execute(), {
      code: PgCode.foreignKeyViolation,
      constraint: 'user_hopsworks_assignments_hopsworks_cluster_id_fkey',
    });
    await db.deleteFrom('userHopsworksAssignments').where('userId', '=', user).execute();
    await db.deleteFrom('hopsworksClusters').where('id', '=', cluster).execute();
  });

  it('keeps usage rows of a deleted cluster, with the cluster set to NULL', async () => {
    const cluster = await addCluster();
    const user = await addUser();
    const usage = await db
      .insertInto('usageDaily')
      .values(usageRow(user, { hopsworksClusterId: cluster }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.deleteFrom('hopsworksClusters').where('id', '=', cluster).execute();
    const row = await db
      .selectFrom('usageDaily')
      .select('hopsworksClusterId')
      .where('id', '=', usage.id)
      .executeTakeFirstOrThrow();
    expect(row.hopsworksClusterId).toBeNull();
  });

  it('deleting a user cascades to their invites, credits and assignment', async () => {
    const cluster = await addCluster();
    const owner = await addUser();
    await addInvite(owner, 'cascade-1@x.test');
    await addInvite(owner, 'cascade-2@x.test', { revokedAt: new Date() });
    await db.insertInto('userCredits').values({ userId: owner, totalPurchased: '3' }).execute();
    await assign(owner, cluster);
    expect(await currentUsers(cluster)).toBe(1);

    await db.deleteFrom('users').where('id', '=', owner).execute();
    const left = await sql<{ invites: number; credits: number; assignments: number }>`
      SELECT (SELECT count(*) FROM team_invites WHERE account_owner_id = ${owner}) AS invites,
             (SELECT count(*) FROM user_credits WHERE user_id = ${owner}) AS credits,
             (SELECT count(*) FROM user_hopsworks_assignments WHERE user_id = ${owner}) AS assignments`.execute(
      db,
    );
    expect(left.rows[0]).toEqual({ invites: 0, credits: 0, assignments: 0 });
    expect(await currentUsers(cluster)).toBe(0);
  });

  it('refuses deleting a user who has usage, as user or as payer (RESTRICT)', async () => {
    const owner = await addUser();
    const former = await addUser();
    // The payer is fixed at ingestion: `former` was a member of `owner` that day, and left since.
    await db
      .insertInto('usageDaily')
      .values(usageRow(former, { accountOwnerId: owner }))
      .execute();
    await expectPgError(db.deleteFrom('users').where('id', '=', former).execute(), {
      code: PgCode.foreignKeyViolation,
      constraint: 'usage_daily_user_id_fkey',
    });
    await expectPgError(db.deleteFrom('users').where('id', '=', owner).execute(), {
      code: PgCode.foreignKeyViolation,
      constraint: 'usage_daily_account_owner_id_fkey',
    });
  });

  it('refuses deleting an owner who has members, or a user with ledger entries (RESTRICT)', async () => {
    const { owner } = await addOwnerWithMember();
    await expectPgError(db.deleteFrom('users').where('id', '=', owner).execute(), {
      code: PgCode.foreignKeyViolation,
      constraint: 'users_account_owner_id_fkey',
    });
    const payer = await addUser();
    await addLedgerEntry(payer);
    await expectPgError(db.deleteFrom('users').where('id', '=', payer).execute(), {
      code: PgCode.foreignKeyViolation,
      constraint: 'credit_transactions_user_id_fkey',
    });
  });

  it("sets an invite's accepted_by to NULL when the invitee is deleted", async () => {
    const owner = await addUser();
    const invitee = await addUser();
    const acceptedAt = new Date('2025-09-01T10:00:00Z');
    const invite = await addInvite(owner, 'accepted@x.test', {
      acceptedAt,
      acceptedByUserId: invitee,
    });
    await db.deleteFrom('users').where('id', '=', invitee).execute();
    const row = await db
      .selectFrom('teamInvites')
      .select(['acceptedAt', 'acceptedByUserId'])
      .where('id', '=', invite.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ acceptedAt, acceptedByUserId: null });
  });
});

describe('indexes', () => {
  it('include the documented ones', async () => {
    const { rows } = await sql<{ def: string }>`
      SELECT regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON (ONLY )?public\\.', '\\1') AS def
      FROM pg_indexes WHERE schemaname = 'public'`.execute(db);
    const defs = rows.map((r) => r.def);
    expect(defs).toEqual(
      expect.arrayContaining([
        'users USING btree (created_at)',
        'users USING btree (account_owner_id) WHERE (account_owner_id IS NOT NULL)',
        'users USING btree (stripe_customer_id) WHERE (stripe_customer_id IS NOT NULL)',
        'UNIQUE users USING btree (lower(email))',
        'UNIQUE team_invites USING btree (account_owner_id, lower(email)) WHERE ((accepted_at IS NULL) AND (revoked_at IS NULL))',
        'UNIQUE usage_daily USING btree (user_id, date)',
        'usage_daily USING btree (account_owner_id, date)',
        // The documented index on date, covering usage.top's columns (migration 0004).
        'usage_daily USING btree (date) INCLUDE (account_owner_id, user_id, total_cost)',
      ]),
    );
  });
});
