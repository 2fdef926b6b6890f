// Demo data (`pnpm db:seed`): 3 clusters (one in maintenance), 1 admin, 6 accounts with 0–4 members,
// 90 days of usage priced by the rate card, a prepaid account with a balanced credits ledger, and
// open, expired, revoked and accepted invites. Idempotent: every row has a natural key and is
// inserted only when missing, so a second run adds nothing.
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Transaction } from 'kysely';
import type { Db } from './client.ts';
import { dec, round4, Decimal } from './money.ts';
import { priceUsage } from './rates.ts';
import type { SecretBox } from './secrets.ts';
import type { Database, UsageDaily } from './schema.ts';

interface DemoUser {
  id: string;
  email: string;
  name: string;
  owner?: string;
  isAdmin?: boolean;
  billingMode?: 'prepaid' | 'postpaid';
  stripe?: string;
  cluster?: string;
  /** How heavy the user's daily usage is, 0 = none. */
  load: number;
  gpu?: boolean;
}

const CLUSTERS = [
  {
    name: 'us-east-1-prod',
    apiUrl: 'https://us-east-1.hopsworks.example',
    maxUsers: 50,
    status: 'active',
  },
  {
    name: 'eu-west-1-prod',
    apiUrl: 'https://eu-west-1.hopsworks.example',
    maxUsers: 20,
    status: 'active',
  },
  {
    name: 'us-west-2-staging',
    apiUrl: 'https://us-west-2.hopsworks.example',
    maxUsers: 10,
    status: 'maintenance',
  },
] as const;

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'dev|admin', email: 'admin@hops.test', name: 'Ada Admin', isAdmin: true, load: 0 },
  // acme: 4 members
  {
    id: 'dev|alice',
    email: 'alice@acme.test',
    name: 'Alice Owner',
    stripe: 'cus_demo_acme',
    cluster: 'us-east-1-prod',
    load: 3,
    gpu: true,
  },
  {
    id: 'dev|bob',
    email: 'bob@acme.test',
    name: 'Bob Builder',
    owner: 'dev|alice',
    cluster: 'us-east-1-prod',
    load: 2,
  },
  {
    id: 'dev|carol',
    email: 'carol@acme.test',
    name: 'Carol Chen',
    owner: 'dev|alice',
    cluster: 'us-east-1-prod',
    load: 2,
    gpu: true,
  },
  {
    id: 'dev|dan',
    email: 'dan@acme.test',
    name: 'Dan Diaz',
    owner: 'dev|alice',
    cluster: 'us-east-1-prod',
    load: 1,
  },
  {
    id: 'dev|erin',
    email: 'erin@acme.test',
    name: 'Erin Evans',
    owner: 'dev|alice',
    cluster: 'us-east-1-prod',
    load: 1,
  },
  // globex: 2 members
  {
    id: 'dev|frank',
    email: 'frank@globex.test',
    name: 'Frank Owner',
    stripe: 'cus_demo_globex',
    cluster: 'eu-west-1-prod',
    load: 2,
  },
  {
    id: 'dev|gina',
    email: 'gina@globex.test',
    name: 'Gina Garcia',
    owner: 'dev|frank',
    cluster: 'eu-west-1-prod',
    load: 2,
  },
  {
    id: 'dev|hank',
    email: 'hank@globex.test',
    name: 'Hank Hill',
    owner: 'dev|frank',
    cluster: 'eu-west-1-prod',
    load: 1,
  },
  // initech: prepaid, no members
  {
    id: 'dev|grace',
    email: 'grace@initech.test',
    name: 'Grace Prepaid',
    billingMode: 'prepaid',
    cluster: 'eu-west-1-prod',
    load: 1,
  },
  // umbrella: 1 member
  {
    id: 'dev|heidi',
    email: 'heidi@umbrella.test',
    name: 'Heidi Owner',
    stripe: 'cus_demo_umbrella',
    cluster: 'us-east-1-prod',
    load: 1,
  },
  {
    id: 'dev|ivan',
    email: 'ivan@umbrella.test',
    name: 'Ivan Ivanov',
    owner: 'dev|heidi',
    cluster: 'us-east-1-prod',
    load: 1,
  },
  // hooli: 3 members
  {
    id: 'dev|judy',
    email: 'judy@hooli.test',
    name: 'Judy Owner',
    stripe: 'cus_demo_hooli',
    cluster: 'us-east-1-prod',
    load: 2,
  },
  {
    id: 'dev|ken',
    email: 'ken@hooli.test',
    name: 'Ken Kato',
    owner: 'dev|judy',
    cluster: 'us-east-1-prod',
    load: 1,
  },
  {
    id: 'dev|lena',
    email: 'lena@hooli.test',
    name: 'Lena Lind',
    owner: 'dev|judy',
    cluster: 'us-east-1-prod',
    load: 1,
    gpu: true,
  },
  {
    id: 'dev|mike',
    email: 'mike@hooli.test',
    name: 'Mike Moss',
    owner: 'dev|judy',
    cluster: 'us-east-1-prod',
    load: 0,
  },
  // stark: a new sign-up with no payment method yet, so not assigned and no usage
  { id: 'dev|nina', email: 'nina@stark.test', name: 'Nina New', load: 0 },
];

const INVITES = [
  { owner: 'dev|alice', email: 'newbie@acme.test', state: 'open', role: 'Data scientist' },
  {
    owner: 'dev|alice',
    email: 'bob@acme.test',
    state: 'accepted',
    role: 'Data owner',
    acceptedBy: 'dev|bob',
  },
  { owner: 'dev|frank', email: 'late@globex.test', state: 'expired', role: 'Observer' },
  { owner: 'dev|heidi', email: 'nope@umbrella.test', state: 'revoked', role: 'Data scientist' },
] as const;

const DAYS = 90;
const PREPAID = { owner: 'dev|grace', purchased: '400.0000', freeGranted: '50.0000' };

/** The demo invite links' secrets are derived from their e-mail so the seed stays idempotent. */
export function demoInviteSecret(email: string): string {
  return createHash('sha256').update(`hops-demo-invite:${email}`).digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A small deterministic generator (mulberry32), so demo numbers are the same on every machine. */
function random(seedText: string): () => number {
  let a = Number.parseInt(sha256(seedText).slice(0, 8), 16);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A decimal string with 2 places from a random draw in [0, max). */
function amount(rand: () => number, max: number): string {
  return (Math.floor(rand() * max * 100) / 100).toFixed(2);
}

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDay(d);
}

export interface SeedOptions {
  secrets: SecretBox;
  /** The seed's "today" (UTC); usage covers the 90 days before it. */
  today?: string;
}

export async function seedDemoData(db: Db, options: SeedOptions): Promise<string[]> {
  const today = options.today ?? utcDay(new Date());
  const report: string[] = [];
  await db.transaction().execute(async (trx) => {
    // One seed at a time, so two concurrent runs cannot both insert the ledger.
    await sql`SELECT pg_advisory_xact_lock(hashtext('hops-demo-seed'))`.execute(trx);

    const clusters = await trx
      .insertInto('hopsworksClusters')
      .values(
        CLUSTERS.map((c) => ({
          name: c.name,
          apiUrl: c.apiUrl,
          apiKey: options.secrets.encrypt(`demo-api-key-${c.name}`),
          maxUsers: c.maxUsers,
          status: c.status,
          metadata: JSON.stringify({ region: c.name.split('-').slice(0, 3).join('-'), demo: true }),
        })),
      )
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .execute();
    report.push(`clusters: ${clusters.length} added`);
    const clusterIds = new Map(
      (await trx.selectFrom('hopsworksClusters').select(['id', 'name']).execute()).map((c) => [
        c.name,
        c.id,
      ]),
    );

    // Owners before members: a member's owner must exist (and be an owner).
    const ordered = [...DEMO_USERS].sort(
      (a, b) => Number(Boolean(a.owner)) - Number(Boolean(b.owner)),
    );
    const users = await trx
      .insertInto('users')
      .values(
        ordered.map((u) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          accountOwnerId: u.owner ?? null,
          isAdmin: u.isAdmin ?? false,
          billingMode: u.billingMode ?? 'postpaid',
          stripeCustomerId: u.stripe ?? null,
          registrationSource: 'demo-seed',
          hopsworksUsername: u.id.replace('dev|', ''),
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    report.push(`users: ${users.length} added`);

    const assignments = await trx
      .insertInto('userHopsworksAssignments')
      .values(
        DEMO_USERS.filter((u) => u.cluster).map((u) => ({
          userId: u.id,
          hopsworksClusterId: clusterIds.get(u.cluster!)!,
          assignedBy: u.owner ? 'team_member_auto' : 'system',
          hopsworksUsername: u.id.replace('dev|', ''),
        })),
      )
      .onConflict((oc) => oc.column('userId').doNothing())
      .returning('id')
      .execute();
    report.push(`cluster assignments: ${assignments.length} added`);

    // 90 days of usage, priced by the rate card in force each day.
    const rows: Insertable<UsageDaily>[] = [];
    for (const user of DEMO_USERS) {
      if (user.load === 0) continue;
      for (let i = DAYS; i >= 1; i--) {
        const date = addDays(today, -i);
        const rand = random(`${user.id}:${date}`);
        if (rand() < 0.1) continue; // some days off
        const quantities = {
          cpuHours: amount(rand, 12 * user.load),
          gpuHours: user.gpu && rand() < 0.4 ? amount(rand, 3 * user.load) : '0',
          ramGbHours: amount(rand, 96 * user.load),
          onlineStorageGb: amount(rand, 40 * user.load),
          offlineStorageGb: amount(rand, 400 * user.load),
          networkEgressGb: amount(rand, 5 * user.load),
        };
        const costs = priceUsage(quantities, date);
        rows.push({
          userId: user.id,
          accountOwnerId: user.owner ?? user.id,
          date,
          hopsworksClusterId: user.cluster ? clusterIds.get(user.cluster)! : null,
          ...quantities,
          ...costs,
          projectBreakdown: JSON.stringify({ demo: { cpuHours: quantities.cpuHours } }),
        });
      }
    }
    let usageAdded = 0;
    const newPrepaidRows: { id: string; date: string; totalCost: string }[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      const added = await trx
        .insertInto('usageDaily')
        .values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['userId', 'date']).doNothing())
        .returning(['id', 'date', 'totalCost', 'accountOwnerId'])
        .execute();
      usageAdded += added.length;
      newPrepaidRows.push(...added.filter((r) => r.accountOwnerId === PREPAID.owner));
    }
    report.push(`usage rows: ${usageAdded} added (${DAYS} days before ${today})`);

    report.push(...(await seedPrepaidLedger(trx, newPrepaidRows)));

    const now = new Date(`${today}T12:00:00Z`);
    const invites = await trx
      .insertInto('teamInvites')
      .values(
        INVITES.map((invite) => {
          const createdAt = new Date(
            now.getTime() - (invite.state === 'expired' ? 10 : 2) * 86_400_000,
          );
          return {
            accountOwnerId: invite.owner,
            email: invite.email,
            token: sha256(demoInviteSecret(invite.email)),
            projectRole: invite.role,
            createdAt,
            expiresAt: new Date(createdAt.getTime() + 7 * 86_400_000),
            acceptedAt:
              invite.state === 'accepted' ? new Date(createdAt.getTime() + 3_600_000) : null,
            acceptedByUserId: invite.state === 'accepted' ? invite.acceptedBy : null,
            revokedAt:
              invite.state === 'revoked' ? new Date(createdAt.getTime() + 3_600_000) : null,
          };
        }),
      )
      .onConflict((oc) => oc.column('token').doNothing())
      .returning('email')
      .execute();
    report.push(
      `invites: ${invites.length} added (open link: /invite/${demoInviteSecret('newbie@acme.test')})`,
    );

    if (users.length + clusters.length + usageAdded + invites.length > 0) {
      await trx
        .insertInto('auditLog')
        .values({
          via: 'system',
          action: 'db.seed',
          details: JSON.stringify({ report }),
        })
        .execute();
    }
  });
  return report;
}

/** The prepaid account: a purchase, a free grant, then each usage row paid free credits first. */
async function seedPrepaidLedger(
  trx: Transaction<Database>,
  newRows: { id: string; date: string; totalCost: string }[],
): Promise<string[]> {
  const created = await trx
    .insertInto('userCredits')
    .values({ userId: PREPAID.owner })
    .onConflict((oc) => oc.column('userId').doNothing())
    .returning('id')
    .execute();
  if (created.length === 0 && newRows.length === 0) return ['credits ledger: unchanged'];

  const credits = await trx
    .selectFrom('userCredits')
    .selectAll()
    .where('userId', '=', PREPAID.owner)
    .executeTakeFirstOrThrow();
  let paid = dec(credits.totalPurchased).minus(credits.totalUsed);
  let free = dec(credits.freeCreditsGranted).minus(credits.freeCreditsUsed);
  let purchased = dec(credits.totalPurchased);
  let granted = dec(credits.freeCreditsGranted);
  let paidUsed = dec(credits.totalUsed);
  let freeUsed = dec(credits.freeCreditsUsed);
  let unpaid = dec(credits.unpaidUsage);
  const ledger: Insertable<Database['creditTransactions']>[] = [];
  const actor = 'system:seed';
  const sorted = [...newRows].sort((a, b) => a.date.localeCompare(b.date));
  // Each ledger line carries the time of what it records, so the ledger reads in order.
  const at = (day: string | undefined, offsetSeconds: number) =>
    new Date(
      (day ? Date.parse(`${day}T23:00:00Z`) : Date.now() - 91 * 86_400_000) + offsetSeconds * 1000,
    );
  const start = sorted[0] ? addDays(sorted[0].date, -1) : undefined;
  if (created.length > 0) {
    purchased = purchased.plus(PREPAID.purchased);
    paid = paid.plus(PREPAID.purchased);
    ledger.push({
      userId: PREPAID.owner,
      kind: 'purchase',
      pool: 'paid',
      amount: PREPAID.purchased,
      balanceAfter: round4(paid.plus(free)),
      description: 'Demo purchase',
      actor,
      createdAt: at(start, 0),
    });
    granted = granted.plus(PREPAID.freeGranted);
    free = free.plus(PREPAID.freeGranted);
    ledger.push({
      userId: PREPAID.owner,
      kind: 'grant',
      pool: 'free',
      amount: PREPAID.freeGranted,
      balanceAfter: round4(paid.plus(free)),
      description: 'Welcome credits',
      actor,
      createdAt: at(start, 1),
    });
  }
  for (const row of sorted) {
    let due = dec(row.totalCost);
    const fromFree = Decimal.min(due, free);
    if (fromFree.gt(0)) {
      free = free.minus(fromFree);
      freeUsed = freeUsed.plus(fromFree);
      due = due.minus(fromFree);
      ledger.push({
        userId: PREPAID.owner,
        kind: 'usage',
        pool: 'free',
        amount: round4(fromFree.neg()),
        balanceAfter: round4(paid.plus(free)),
        usageDailyId: row.id,
        description: `Usage ${row.date}`,
        actor,
        createdAt: at(row.date, 0),
      });
    }
    const fromPaid = Decimal.min(due, paid);
    if (fromPaid.gt(0)) {
      paid = paid.minus(fromPaid);
      paidUsed = paidUsed.plus(fromPaid);
      due = due.minus(fromPaid);
      ledger.push({
        userId: PREPAID.owner,
        kind: 'usage',
        pool: 'paid',
        amount: round4(fromPaid.neg()),
        balanceAfter: round4(paid.plus(free)),
        usageDailyId: row.id,
        description: `Usage ${row.date}`,
        actor,
        createdAt: at(row.date, 1),
      });
    }
    unpaid = unpaid.plus(due);
  }
  if (ledger.length > 0) await trx.insertInto('creditTransactions').values(ledger).execute();
  await trx
    .updateTable('userCredits')
    .set({
      totalPurchased: round4(purchased),
      totalUsed: round4(paidUsed),
      freeCreditsGranted: round4(granted),
      freeCreditsUsed: round4(freeUsed),
      unpaidUsage: round4(unpaid),
      lastPurchaseAt: created.length > 0 ? new Date() : credits.lastPurchaseAt,
    })
    .where('userId', '=', PREPAID.owner)
    .execute();
  return [
    `credits ledger: ${ledger.length} transactions added; available ${round4(paid.plus(free))} USD`,
  ];
}
