// Demo data (`pnpm db:seed`, and the API server at start in development): 3 clusters (one in
// maintenance), 1 admin, 6 accounts with 0–4 members, 90 days of usage, a prepaid account with
// credits, and open, expired, revoked and accepted invites. The clusters, assignments, credits and
// usage go through the very services the API uses (createCluster, adminAssignAccount,
// grantCredits, ingestUsage), so demo prices, payers and the prepaid ledger are the real ones.
// Only the people and the invites are written as rows: they stand for sign-ups and invites that
// happened in the past (an expired invite, an accepted one), which no service can make today.
// Idempotent: a second run adds nothing; concurrent runs queue on an advisory lock.
// (Over 300 lines: half of it is the table of demo people, which reads best in one place.)
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '@hops/db';
import type { AuditActor } from '../actor.ts';
import type { Transaction } from '../db.ts';
import { recordAudit } from '../audit.ts';
import { addDays, utcToday } from '../days.ts';
import type { SecretBox } from '../secrets.ts';
import { adminAssignAccount, createCluster } from '../services/clusters.ts';
import { grantCredits } from '../services/credits/account.ts';
import { ingestUsage, type UsageRecordInput } from '../services/usage/ingest.ts';

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

/** Who makes the demo data: the system, labelled so its ledger lines and audit rows say so. */
const SEED_ACTOR: AuditActor = { userId: null, via: 'system', isAdmin: true, label: 'system:seed' };

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

export interface SeedOptions {
  secrets: SecretBox;
  /** The seed's "today" (UTC); usage covers the 90 days before it. */
  today?: string;
}

export async function seedDemoData(db: Db, options: SeedOptions): Promise<string[]> {
  const today = options.today ?? utcToday();
  return db.transaction().execute(async (trx) => {
    // One seed at a time: a second run (two apps starting together) waits, then finds it all.
    await sql`SELECT pg_advisory_xact_lock(hashtext('hops-demo-seed'))`.execute(trx);
    const report = [
      await seedClusters(trx, options.secrets),
      ...(await seedPeople(trx)),
      await seedCredits(trx),
      await seedUsage(trx, today),
      await seedInvites(trx, today),
    ];
    if (report.some((line) => / [1-9]\d* (added|transactions added)/.test(line))) {
      await recordAudit(trx, SEED_ACTOR, 'db.seed', null, { report });
    }
    return report;
  });
}

async function seedClusters(trx: Transaction, secrets: SecretBox): Promise<string> {
  const existing = new Set(
    (await trx.selectFrom('hopsworksClusters').select('name').execute()).map((c) => c.name),
  );
  const missing = CLUSTERS.filter((c) => !existing.has(c.name));
  for (const c of missing) {
    await createCluster(trx, SEED_ACTOR, secrets, {
      name: c.name,
      apiUrl: c.apiUrl,
      apiKey: '', // no credentials: the demo's clusters are never called
      maxUsers: c.maxUsers,
      status: c.status,
      metadata: { region: c.name.split('-').slice(0, 3).join('-'), demo: true },
    });
  }
  return `clusters: ${missing.length} added`;
}

/** The people as they signed up (owners before members), then each account on its cluster. */
async function seedPeople(trx: Transaction): Promise<string[]> {
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

  const clusterIds = new Map(
    (await trx.selectFrom('hopsworksClusters').select(['id', 'name']).execute()).map((c) => [
      c.name,
      c.id,
    ]),
  );
  let assigned = 0;
  for (const owner of DEMO_USERS.filter((u) => u.cluster && !u.owner)) {
    const outcome = await adminAssignAccount(
      trx,
      SEED_ACTOR,
      owner.id,
      clusterIds.get(owner.cluster!)!,
    );
    if (outcome.status === 'assigned') {
      assigned += 1 + DEMO_USERS.filter((u) => u.owner === owner.id).length;
    }
  }
  return [`users: ${users.length} added`, `cluster assignments: ${assigned} added`];
}

/** The prepaid account buys credits and is given welcome credits, once. */
async function seedCredits(trx: Transaction): Promise<string> {
  const had = await trx
    .selectFrom('userCredits')
    .select('id')
    .where('userId', '=', PREPAID.owner)
    .executeTakeFirst();
  if (had) return 'credits: 0 grants added';
  await grantCredits(trx, SEED_ACTOR, {
    userId: PREPAID.owner,
    amount: PREPAID.purchased,
    pool: 'paid',
    reason: 'Demo purchase',
  });
  await grantCredits(trx, SEED_ACTOR, {
    userId: PREPAID.owner,
    amount: PREPAID.freeGranted,
    pool: 'free',
    reason: 'Welcome credits',
  });
  return 'credits: 2 grants added';
}

/**
 * 90 days of usage, sent through usage.ingest's service one day at a time, in date order, the
 * way a collector sends it: the service prices each day with the rate card in force, fixes the
 * payer and pays prepaid usage from the credits through the ledger. Days already stored are
 * not sent again.
 */
async function seedUsage(trx: Transaction, today: string): Promise<string> {
  const from = addDays(today, -DAYS);
  const stored = new Set(
    (
      await trx
        .selectFrom('usageDaily')
        .select(['userId', 'date'])
        .where('date', '>=', from)
        .where(
          'userId',
          'in',
          DEMO_USERS.map((u) => u.id),
        )
        .execute()
    ).map((r) => `${r.userId} ${r.date}`),
  );
  let added = 0;
  const ledgerBefore = await ledgerLines(trx);
  for (let i = DAYS; i >= 1; i--) {
    const date = addDays(today, -i);
    const records = DEMO_USERS.flatMap((user) => {
      const record = demoUsage(user, date);
      return record && !stored.has(`${user.id} ${date}`) ? [record] : [];
    });
    if (records.length === 0) continue;
    added += (await ingestUsage(trx, SEED_ACTOR, records, { today })).inserted;
  }
  const ledger = (await ledgerLines(trx)) - ledgerBefore;
  return `usage rows: ${added} added (${DAYS} days before ${today}); credits ledger: ${ledger} transactions added`;
}

async function ledgerLines(trx: Transaction): Promise<number> {
  const row = await trx
    .selectFrom('creditTransactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

/** One user's demo day (deterministic), or null on a day off and for users without load. */
function demoUsage(user: DemoUser, date: string): UsageRecordInput | null {
  if (user.load === 0) return null;
  const rand = random(`${user.id}:${date}`);
  if (rand() < 0.1) return null; // some days off
  const cpuHours = amount(rand, 12 * user.load);
  return {
    userId: user.id,
    date,
    cpuHours,
    gpuHours: user.gpu && rand() < 0.4 ? amount(rand, 3 * user.load) : '0',
    ramGbHours: amount(rand, 96 * user.load),
    onlineStorageGb: amount(rand, 40 * user.load),
    offlineStorageGb: amount(rand, 400 * user.load),
    networkEgressGb: amount(rand, 5 * user.load),
    projectBreakdown: { demo: { cpuHours } },
  };
}

async function seedInvites(trx: Transaction, today: string): Promise<string> {
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
          revokedAt: invite.state === 'revoked' ? new Date(createdAt.getTime() + 3_600_000) : null,
        };
      }),
    )
    .onConflict((oc) => oc.column('token').doNothing())
    .returning('email')
    .execute();
  return `invites: ${invites.length} added (open link: /invite/${demoInviteSecret('newbie@acme.test')})`;
}
