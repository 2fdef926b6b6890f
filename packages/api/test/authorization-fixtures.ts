// A small world for the authorization matrix: account A (a prepaid owner with one member, on a
// cluster, with credits, usage and an open invite), owner B (a stand-alone owner A has invited),
// an admin and a suspended admin. Every call builds a fresh one with unique ids and e-mails.
import { randomBytes } from 'node:crypto';
import { inTransaction, type Db } from '@hops/db';
import { SYSTEM_ACTOR } from '../src/actor.ts';
import type { ApiDeps } from '../src/context.ts';
import { grantCredits } from '../src/services/credits/account.ts';
import { createInvite } from '../src/services/invites/owner.ts';
import { ingestUsage, type UsageRecordInput } from '../src/services/usage/ingest.ts';
import { assignDirect, makeUser, userCaller, userDay } from './helpers.ts';

/** Every plain-text cluster secret the fixtures use carries this mark. */
export const SECRET_MARK = 'SECRET-do-not-leak';

/** The day A and B used the platform, and the range the usage questions ask about. */
export const USAGE_DAY = '2025-09-15';
export const USAGE_RANGE = { from: '2025-09-14', to: '2025-09-16' } as const;
/** A day nobody used yet (usage.ingest cells send it). */
export const INGEST_DAY = '2025-09-20';

/** CPU hours on USAGE_DAY: distinct magnitudes, so a sum shows whose rows it holds. */
export const CPU_HOURS = { memberA: '1.0000', ownerA: '10.0000', ownerB: '100.0000' } as const;

export function unique(tag: string): string {
  return `${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function usageRecord(userId: string, date: string, cpuHours: string): UsageRecordInput {
  return userDay(userId, date, { cpuHours });
}

async function makeSecretCluster(db: Db, deps: ApiDeps) {
  const name = unique('authz');
  return db
    .insertInto('hopsworksClusters')
    .values({
      name,
      apiUrl: `https://${name}.hopsworks.test`,
      apiKey: deps.secrets.encrypt(`apikey-${SECRET_MARK}-${name}`),
      kubeconfig: deps.secrets.encrypt(`kubeconfig-${SECRET_MARK}-${name}`),
      maxUsers: 100,
    })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

export async function buildWorld(db: Db, deps: ApiDeps) {
  const cluster = await makeSecretCluster(db, deps);
  const spareCluster = await makeSecretCluster(db, deps);
  const ownerA = await makeUser(db, {
    billingMode: 'prepaid',
    email: `${unique('owner-a')}@a.test`,
  });
  const memberA = await makeUser(db, { owner: ownerA.id, email: `${unique('member-a')}@a.test` });
  const ownerB = await makeUser(db, { email: `${unique('owner-b')}@b.test` });
  const admin = await makeUser(db, { isAdmin: true, email: `${unique('admin')}@ops.test` });
  const suspended = await makeUser(db, {
    isAdmin: true,
    status: 'suspended',
    email: `${unique('suspended')}@ops.test`,
  });
  await assignDirect(db, ownerA.id, cluster.id);
  await assignDirect(db, memberA.id, cluster.id);

  const ownerActor = await userCaller(db, ownerA.id);
  const invite = await inTransaction(db, async (trx) => {
    await grantCredits(trx, SYSTEM_ACTOR, {
      userId: ownerA.id,
      amount: '100',
      pool: 'free',
      reason: 'authorization fixture',
    });
    await ingestUsage(trx, SYSTEM_ACTOR, [
      usageRecord(memberA.id, USAGE_DAY, CPU_HOURS.memberA),
      usageRecord(ownerA.id, USAGE_DAY, CPU_HOURS.ownerA),
      usageRecord(ownerB.id, USAGE_DAY, CPU_HOURS.ownerB),
    ]);
    // A invites B: B owns no team, so B may accept and join A.
    return createInvite(trx, ownerActor, { email: ownerB.email });
  });

  return {
    ownerA,
    memberA,
    ownerB,
    admin,
    suspended,
    cluster,
    spareCluster,
    invite: { id: invite.invite.id, secret: invite.secret },
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;
