// The three views of SPEC §2.3 on a small data set whose sums are worked out by hand: the
// documented columns, one row per member or per (payer, day), sums of the stored costs exactly.
import { sql, type Insertable } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UsageDaily } from './schema.ts';
import { useTestDatabase } from './testing/index.ts';

const { db } = await useTestDatabase();

const D1 = '2025-09-01';
const D2 = '2025-09-02';
const ACME_JOINED_AT = new Date('2025-06-01T10:00:00.000Z');
const USERS_CREATED_AT = new Date('2025-05-01T08:00:00.000Z');

const quantities = [
  'cpuHours',
  'gpuHours',
  'ramGbHours',
  'onlineStorageGb',
  'offlineStorageGb',
  'networkEgressGb',
] as const;
const costs = ['cpuCost', 'gpuCost', 'ramCost', 'storageCost', 'networkCost', 'totalCost'] as const;

/** A usage row from its quantities and stored costs, written as the columns are listed above. */
function usage(
  userId: string,
  accountOwnerId: string,
  date: string,
  q: [string, string, string, string, string, string],
  c: [string, string, string, string, string, string],
): Insertable<UsageDaily> {
  const row: Insertable<UsageDaily> = { userId, accountOwnerId, date, rateCard: '2025-08' };
  quantities.forEach((name, i) => (row[name] = q[i]));
  costs.forEach((name, i) => (row[name] = c[i]));
  return row;
}

beforeAll(async () => {
  await db
    .insertInto('users')
    .values([
      { id: 'auth0|olga', email: 'Olga@Acme.test', name: 'Olga Owner' },
      { id: 'auth0|oscar', email: 'oscar@globex.test', name: 'Oscar Owner' },
      { id: 'auth0|lone', email: 'lone@solo.test', name: 'Lone Owner' },
      // Left acme since; acme still pays for the day they used while a member.
      { id: 'auth0|leo', email: 'leo@acme.test', name: 'Leo Left' },
    ])
    .execute();
  await db
    .insertInto('users')
    .values([
      {
        id: 'auth0|mia',
        email: 'mia@acme.test',
        name: 'Mia Member',
        accountOwnerId: 'auth0|olga',
        hopsworksUsername: 'mia',
        lastLoginAt: new Date('2025-09-03T09:30:00Z'),
      },
      { id: 'auth0|max', email: 'max@acme.test', name: null, accountOwnerId: 'auth0|olga' },
      { id: 'auth0|gus', email: 'gus@globex.test', name: 'Gus', accountOwnerId: 'auth0|oscar' },
    ])
    .execute();
  await sql`UPDATE users SET created_at = ${USERS_CREATED_AT}`.execute(db);

  const token = (n: number) => n.toString(16).padStart(64, '0');
  await db
    .insertInto('teamInvites')
    .values([
      // Max joined acme through an invite; an older one of globex, also accepted, does not count.
      {
        accountOwnerId: 'auth0|olga',
        email: 'max@acme.test',
        token: token(1),
        acceptedAt: ACME_JOINED_AT,
        acceptedByUserId: 'auth0|max',
      },
      {
        accountOwnerId: 'auth0|oscar',
        email: 'max@acme.test',
        token: token(2),
        acceptedAt: new Date('2025-05-15T00:00:00Z'),
        acceptedByUserId: 'auth0|max',
      },
    ])
    .execute();

  // quantities: cpu h, gpu h, ram GB·h, online GB, offline GB, egress GB
  // costs:      cpu, gpu, ram, storage, network, total (stored, never recomputed by the views)
  await db
    .insertInto('usageDaily')
    .values([
      usage(
        'auth0|olga',
        'auth0|olga',
        D1,
        ['1.5000', '0.2500', '8.0000', '10.0000', '100.0000', '0.5000'],
        ['0.1875', '0.6250', '0.1000', '0.2667', '0.0500', '1.2292'],
      ),
      usage(
        'auth0|mia',
        'auth0|olga',
        D1,
        ['2.2500', '0', '16.1234', '0.0001', '0', '1.0000'],
        ['0.2813', '0', '0.2015', '0', '0.1000', '0.5828'],
      ),
      // A cost the rate card would not give (0.0001 h is 0.0000125 USD): the view sums what is stored.
      usage(
        'auth0|leo',
        'auth0|olga',
        D1,
        ['0.0001', '0', '0', '0', '0', '0'],
        ['0.0001', '0', '0', '0', '0', '0.0001'],
      ),
      usage(
        'auth0|olga',
        'auth0|olga',
        D2,
        ['3', '0', '0', '0', '0', '0'],
        ['0.375', '0', '0', '0', '0', '0.375'],
      ),
      usage(
        'auth0|gus',
        'auth0|oscar',
        D1,
        ['4', '0', '0', '0', '0', '0'],
        ['0.5', '0', '0', '0', '0', '0.5'],
      ),
    ])
    .execute();
});

async function columnsOf(view: string): Promise<{ name: string; type: string }[]> {
  const { rows } = await sql<{ name: string; type: string }>`
    SELECT column_name AS name, data_type AS type FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${view} ORDER BY ordinal_position`.execute(db);
  return rows;
}

const totals = [
  'total_cpu_hours',
  'total_gpu_hours',
  'total_ram_gb_hours',
  'total_online_storage_gb',
  'total_offline_storage_gb',
  'total_network_egress_gb',
  'cpu_cost',
  'gpu_cost',
  'ram_cost',
  'storage_cost',
  'network_cost',
  'total_cost',
];

const olgaD1 = {
  totalCpuHours: '3.7501',
  totalGpuHours: '0.2500',
  totalRamGbHours: '24.1234',
  totalOnlineStorageGb: '10.0001',
  totalOfflineStorageGb: '100.0000',
  totalNetworkEgressGb: '1.5000',
  cpuCost: '0.4689',
  gpuCost: '0.6250',
  ramCost: '0.3015',
  storageCost: '0.2667',
  networkCost: '0.1500',
  totalCost: '1.8121',
};
const olgaD2 = {
  totalCpuHours: '3.0000',
  totalGpuHours: '0.0000',
  totalRamGbHours: '0.0000',
  totalOnlineStorageGb: '0.0000',
  totalOfflineStorageGb: '0.0000',
  totalNetworkEgressGb: '0.0000',
  cpuCost: '0.3750',
  gpuCost: '0.0000',
  ramCost: '0.0000',
  storageCost: '0.0000',
  networkCost: '0.0000',
  totalCost: '0.3750',
};
const oscarD1 = { ...olgaD2, totalCpuHours: '4.0000', cpuCost: '0.5000', totalCost: '0.5000' };

describe('team_members', () => {
  it('has the documented columns', async () => {
    expect(await columnsOf('team_members')).toEqual([
      { name: 'member_id', type: 'text' },
      { name: 'member_email', type: 'text' },
      { name: 'member_name', type: 'text' },
      { name: 'joined_at', type: 'timestamp with time zone' },
      { name: 'hopsworks_username', type: 'text' },
      { name: 'last_login_at', type: 'timestamp with time zone' },
      { name: 'owner_id', type: 'text' },
      { name: 'owner_email', type: 'text' },
      { name: 'owner_name', type: 'text' },
    ]);
  });

  it('lists one row per member, never an owner, joined when their invite was accepted', async () => {
    const rows = await db.selectFrom('teamMembers').selectAll().orderBy('memberId').execute();
    const olga = { ownerId: 'auth0|olga', ownerEmail: 'Olga@Acme.test', ownerName: 'Olga Owner' };
    expect(rows).toEqual([
      {
        memberId: 'auth0|gus',
        memberEmail: 'gus@globex.test',
        memberName: 'Gus',
        joinedAt: USERS_CREATED_AT,
        hopsworksUsername: null,
        lastLoginAt: null,
        ownerId: 'auth0|oscar',
        ownerEmail: 'oscar@globex.test',
        ownerName: 'Oscar Owner',
      },
      {
        memberId: 'auth0|max',
        memberEmail: 'max@acme.test',
        memberName: null,
        joinedAt: ACME_JOINED_AT,
        hopsworksUsername: null,
        lastLoginAt: null,
        ...olga,
      },
      {
        memberId: 'auth0|mia',
        memberEmail: 'mia@acme.test',
        memberName: 'Mia Member',
        joinedAt: USERS_CREATED_AT,
        hopsworksUsername: 'mia',
        lastLoginAt: new Date('2025-09-03T09:30:00Z'),
        ...olga,
      },
    ]);
  });
});

describe('account_usage', () => {
  it('has the documented columns', async () => {
    const columns = await columnsOf('account_usage');
    expect(columns.map((c) => c.name)).toEqual(['account_owner_id', 'date', ...totals]);
    expect(columns.slice(2).every((c) => c.type === 'numeric')).toBe(true);
  });

  it('sums usage_daily per payer and day, to the exact decimal', async () => {
    const rows = await db
      .selectFrom('accountUsage')
      .selectAll()
      .orderBy('accountOwnerId')
      .orderBy('date')
      .execute();
    expect(rows).toEqual([
      { accountOwnerId: 'auth0|olga', date: D1, ...olgaD1 },
      { accountOwnerId: 'auth0|olga', date: D2, ...olgaD2 },
      { accountOwnerId: 'auth0|oscar', date: D1, ...oscarD1 },
    ]);
  });
});

describe('account_usage_summary', () => {
  it('has the documented columns', async () => {
    const columns = await columnsOf('account_usage_summary');
    expect(columns.map((c) => c.name)).toEqual([
      'account_owner_id',
      'date',
      'owner_email',
      ...totals,
      'active_users',
      'user_breakdown',
    ]);
    expect(columns.find((c) => c.name === 'user_breakdown')?.type).toBe('jsonb');
  });

  it('adds the owner, the active users and a per-user breakdown with decimals as text', async () => {
    const rows = await db
      .selectFrom('accountUsageSummary')
      .selectAll()
      .orderBy('accountOwnerId')
      .orderBy('date')
      .execute();
    const zero = '0.0000';
    expect(rows).toEqual([
      {
        accountOwnerId: 'auth0|olga',
        date: D1,
        ownerEmail: 'Olga@Acme.test',
        ...olgaD1,
        activeUsers: 3,
        userBreakdown: {
          'auth0|olga': {
            cpu_hours: '1.5000',
            gpu_hours: '0.2500',
            ram_gb_hours: '8.0000',
            online_storage_gb: '10.0000',
            offline_storage_gb: '100.0000',
            network_egress_gb: '0.5000',
            total_cost: '1.2292',
          },
          'auth0|mia': {
            cpu_hours: '2.2500',
            gpu_hours: zero,
            ram_gb_hours: '16.1234',
            online_storage_gb: '0.0001',
            offline_storage_gb: zero,
            network_egress_gb: '1.0000',
            total_cost: '0.5828',
          },
          'auth0|leo': {
            cpu_hours: '0.0001',
            gpu_hours: zero,
            ram_gb_hours: zero,
            online_storage_gb: zero,
            offline_storage_gb: zero,
            network_egress_gb: zero,
            total_cost: '0.0001',
          },
        },
      },
      {
        accountOwnerId: 'auth0|olga',
        date: D2,
        ownerEmail: 'Olga@Acme.test',
        ...olgaD2,
        activeUsers: 1,
        userBreakdown: {
          'auth0|olga': {
            cpu_hours: '3.0000',
            gpu_hours: zero,
            ram_gb_hours: zero,
            online_storage_gb: zero,
            offline_storage_gb: zero,
            network_egress_gb: zero,
            total_cost: '0.3750',
          },
        },
      },
      {
        accountOwnerId: 'auth0|oscar',
        date: D1,
        ownerEmail: 'oscar@globex.test',
        ...oscarD1,
        activeUsers: 1,
        userBreakdown: {
          'auth0|gus': {
            cpu_hours: '4.0000',
            gpu_hours: zero,
            ram_gb_hours: zero,
            online_storage_gb: zero,
            offline_storage_gb: zero,
            network_egress_gb: zero,
            total_cost: '0.5000',
          },
        },
      },
    ]);
  });

  it('agrees with account_usage on every total', async () => {
    const a = sql.raw(totals.map((t) => `a.${t}`).join(', '));
    const s = sql.raw(totals.map((t) => `s.${t}`).join(', '));
    const { rows } = await sql<{ differing: number }>`
      SELECT count(*) AS differing
      FROM account_usage a FULL JOIN account_usage_summary s USING (account_owner_id, date)
      WHERE (${a}) IS DISTINCT FROM (${s})`.execute(db);
    expect(rows[0]?.differing).toBe(0);
  });
});
