// The authorization matrix (SPEC §3, §4): every procedure × every kind of caller → 'ok' or the exact
// tRPC code. The inputs target account A's resources, so "owner of another account" proves
// isolation. A mutation's cell runs against a fresh world (queries share one); every successful
// answer is kept and checked at the end for cluster secrets and invite token hashes.
// Over 300 lines: the matrix is one table, and it reads best whole.
import type { AnyProcedure, inferProcedureInput, inferProcedureOutput } from '@trpc/server';
import { afterAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import {
  buildWorld,
  CPU_HOURS,
  INGEST_DAY,
  SECRET_MARK,
  unique,
  USAGE_DAY,
  USAGE_RANGE,
  usageRecord,
  type World,
} from '../test/authorization-fixtures.ts';
import { callerAs, userCaller, type Who } from '../test/helpers.ts';
import { startStripeWorld } from '../test/stripe.ts';
import { appRouter, type AppRouter } from './root.ts';
import { SERVICE_PROCEDURE_SCOPES } from './trpc.ts';
import { grantCredits } from './services/credits/account.ts';
import { createInvite } from './services/invites/owner.ts';

const { db } = await useTestDatabase();
// Stripe on (the fake on loopback), so the billing rows reach Stripe like production.
const stripeWorld = await startStripeWorld();
afterAll(() => stripeWorld.close());
const deps = stripeWorld.deps;

// ---------------------------------------------------------------------------------------------
// Callers

const CALLERS = {
  anonymous: { label: 'anonymous', who: () => ({ anonymous: true }) },
  member: { label: "A's member", who: (w) => ({ userId: w.memberA.id }) },
  owner: { label: "A's owner", who: (w) => ({ userId: w.ownerA.id }) },
  ownerB: { label: 'owner of account B', who: (w) => ({ userId: w.ownerB.id }) },
  admin: { label: 'admin', who: (w) => ({ userId: w.admin.id }) },
  // A suspended *admin*: suspension must win over the widest rights.
  suspended: { label: 'suspended admin', who: (w) => ({ userId: w.suspended.id }) },
  service: { label: 'service token', who: () => ({ service: true }) },
  serviceAdmin: {
    label: 'service acting as admin',
    who: (w) => ({ service: true, actAs: w.admin.id }),
  },
  serviceMember: {
    label: "service acting as A's member",
    who: (w) => ({ service: true, actAs: w.memberA.id }),
  },
} satisfies Record<string, { label: string; who: (w: World) => Who }>;

type CallerKey = keyof typeof CALLERS;
const CALLER_KEYS = Object.keys(CALLERS) as CallerKey[];

/** The user whose rights a caller carries (null: nobody). */
function userOf(w: World, key: CallerKey): string | null {
  const users: Record<CallerKey, string | null> = {
    anonymous: null,
    member: w.memberA.id,
    owner: w.ownerA.id,
    ownerB: w.ownerB.id,
    admin: w.admin.id,
    suspended: w.suspended.id,
    service: null,
    serviceAdmin: w.admin.id,
    serviceMember: w.memberA.id,
  };
  return users[key];
}

// ---------------------------------------------------------------------------------------------
// Expectations

type Outcome =
  | 'ok'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED';
type Expectations = Record<CallerKey, Outcome>;

const everyone = (outcome: Outcome) =>
  Object.fromEntries(CALLER_KEYS.map((k) => [k, outcome])) as Expectations;

const PUBLIC = everyone('ok');
/** An active user (signed in, or acted for by a service). */
const AUTHED: Expectations = {
  ...everyone('ok'),
  anonymous: 'UNAUTHORIZED',
  suspended: 'FORBIDDEN',
  service: 'FORBIDDEN',
};
/** A's owner or an admin; `ownerB` answers what the service chose for another account. */
const OWNER_OF_A = (ownerB: Outcome): Expectations => ({
  ...AUTHED,
  member: 'FORBIDDEN',
  serviceMember: 'FORBIDDEN',
  ownerB,
});
const ADMIN: Expectations = {
  ...everyone('FORBIDDEN'),
  anonymous: 'UNAUTHORIZED',
  admin: 'ok',
  serviceAdmin: 'ok',
};
/**
 * A bare service token only. SPEC §4: a service that names a user (x-hops-act-as) "is then held to
 * that user's rights", and no user — admin or not — has the right to a service procedure.
 */
const SERVICE: Expectations = {
  ...everyone('FORBIDDEN'),
  anonymous: 'UNAUTHORIZED',
  service: 'ok',
};

// ---------------------------------------------------------------------------------------------
// The table

type RouterRecord = AppRouter['_def']['record'];
type PathsOf<R, P extends string = ''> = {
  [K in keyof R & string]: R[K] extends AnyProcedure ? `${P}${K}` : PathsOf<R[K], `${P}${K}.`>;
}[keyof R & string];
type ProcedureAt<R, P extends string> = P extends `${infer H}.${infer T}`
  ? H extends keyof R
    ? ProcedureAt<R[H], T>
    : never
  : P extends keyof R
    ? R[P]
    : never;
type Path = PathsOf<RouterRecord>;
type Proc<P extends Path> =
  ProcedureAt<RouterRecord, P> extends infer Q extends AnyProcedure ? Q : never;

interface Row {
  name: string;
  path: Path;
  input: (w: World) => unknown;
  expected: Expectations;
  check: ((answer: never, w: World, caller: CallerKey) => void) | undefined;
}

function row<P extends Path>(
  path: P,
  spec: {
    /** Tells variants of one procedure apart. */
    variant?: string;
    input?: (w: World) => inferProcedureInput<Proc<P>>;
    expected: Expectations;
    /** Runs on every successful answer. */
    check?: (answer: inferProcedureOutput<Proc<P>>, w: World, caller: CallerKey) => void;
  },
): Row {
  return {
    name: spec.variant ? `${path} (${spec.variant})` : path,
    path,
    input: spec.input ?? (() => undefined),
    expected: spec.expected,
    check: spec.check as Row['check'],
  };
}

const cpuOn = (rows: { date: string; cpuHours: string }[], date: string) =>
  rows.find((r) => r.date === date)?.cpuHours;

const ROWS: Row[] = [
  row('health', { expected: PUBLIC, check: (a) => expect(a).toEqual({ ok: true, db: 'up' }) }),

  row('me.get', {
    expected: AUTHED,
    check: (a, w, c) => expect(a.id).toBe(userOf(w, c)),
  }),

  row('account.delete', {
    variant: "A's member deletes themself",
    input: (w) => ({ confirm: w.memberA.email }),
    // Everyone else typed an e-mail that is not theirs.
    expected: {
      ...AUTHED,
      owner: 'BAD_REQUEST',
      ownerB: 'BAD_REQUEST',
      admin: 'BAD_REQUEST',
      serviceAdmin: 'BAD_REQUEST',
    },
    check: (a, w) =>
      expect(a).toMatchObject({ userId: w.memberA.id, droppedClusterId: w.cluster.id }),
  }),
  row('account.delete', {
    variant: "A's owner, who has a member",
    input: (w) => ({ confirm: w.ownerA.email }),
    expected: {
      ...AUTHED,
      member: 'BAD_REQUEST',
      serviceMember: 'BAD_REQUEST',
      owner: 'PRECONDITION_FAILED',
      ownerB: 'BAD_REQUEST',
      admin: 'BAD_REQUEST',
      serviceAdmin: 'BAD_REQUEST',
    },
  }),

  row('account.signOutEverywhere', {
    // Only ever the caller's own sessions: there is no input naming anyone else.
    expected: AUTHED,
    check: (a) => expect(Date.parse(a.signedOutAt)).not.toBeNaN(),
  }),

  row('team.get', {
    expected: AUTHED,
    check: (a, w, c) => {
      const ownAccount = ['member', 'owner', 'serviceMember'].includes(c);
      expect(a.owner.id).toBe(ownAccount ? w.ownerA.id : userOf(w, c));
      if (!ownAccount) expect(JSON.stringify(a)).not.toContain(w.memberA.id);
    },
  }),
  row('team.removeMember', {
    input: (w) => ({ memberId: w.memberA.id }),
    expected: OWNER_OF_A('NOT_FOUND'),
    check: (a, w) =>
      expect(a).toEqual({
        memberId: w.memberA.id,
        formerOwnerId: w.ownerA.id,
        droppedClusterId: w.cluster.id,
      }),
  }),
  row('team.leave', {
    // Owners (admins here are stand-alone owners) have no team to leave.
    expected: {
      ...AUTHED,
      owner: 'BAD_REQUEST',
      ownerB: 'BAD_REQUEST',
      admin: 'BAD_REQUEST',
      serviceAdmin: 'BAD_REQUEST',
    },
    check: (a, w) =>
      expect(a).toMatchObject({ memberId: w.memberA.id, formerOwnerId: w.ownerA.id }),
  }),

  row('account.setSpendingCap', {
    variant: "the caller's own account",
    input: () => ({ monthlyCapUsd: '500', policy: 'notify' as const }),
    // A member's cap is their account's: only its owner sets it.
    expected: { ...AUTHED, member: 'BAD_REQUEST', serviceMember: 'BAD_REQUEST' },
    check: (a, w, c) =>
      expect(a).toMatchObject({ ownerId: userOf(w, c), capUsd: '500.00', policy: 'notify' }),
  }),
  row('account.setSpendingCap', {
    variant: "A's account, by id",
    input: (w) => ({ userId: w.ownerA.id, monthlyCapUsd: '250.5', policy: 'suspend' as const }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) =>
      expect(a).toMatchObject({ ownerId: w.ownerA.id, capUsd: '250.50', policy: 'suspend' }),
  }),
  row('account.spendingCap', {
    variant: "the caller's own account",
    expected: AUTHED,
    check: (a) => expect(a).toMatchObject({ capUsd: null, percent: null, stopped: false }),
  }),
  row('account.spendingCap', {
    variant: "A's account, by id",
    input: (w) => ({ userId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) => expect(a.ownerId).toBe(w.ownerA.id),
  }),
  row('team.transferOwnership', {
    input: (w) => ({ memberId: w.memberA.id }),
    // Only the account's own owner: an admin owns no member of A, so A's member is not theirs.
    expected: { ...OWNER_OF_A('NOT_FOUND'), admin: 'NOT_FOUND', serviceAdmin: 'NOT_FOUND' },
    check: (a, w) =>
      expect(a).toMatchObject({
        newOwnerId: w.memberA.id,
        formerOwnerId: w.ownerA.id,
        clusterId: w.cluster.id,
      }),
  }),

  row('invites.list', {
    input: (w) => ({ ownerId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) => {
      expect(a.map((i) => i.id)).toEqual([w.invite.id]);
      expect(a.every((i) => i.accountOwnerId === w.ownerA.id)).toBe(true);
    },
  }),
  row('invites.create', {
    input: (w) => ({ email: `${unique('invitee')}@c.test`, ownerId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) =>
      expect(a.invite).toMatchObject({ accountOwnerId: w.ownerA.id, status: 'open' }),
  }),
  row('invites.resend', {
    input: (w) => ({ inviteId: w.invite.id }),
    expected: OWNER_OF_A('NOT_FOUND'),
    check: (a, w) => {
      expect(a.invite.id).toBe(w.invite.id);
      expect(a.inviteUrl).not.toContain(w.invite.secret);
    },
  }),
  row('invites.revoke', {
    input: (w) => ({ inviteId: w.invite.id }),
    expected: OWNER_OF_A('NOT_FOUND'),
    check: (a, w) => expect(a.invite).toMatchObject({ id: w.invite.id, status: 'revoked' }),
  }),
  row('invites.preview', {
    input: (w) => ({ token: w.invite.secret }),
    expected: PUBLIC,
    check: (a, w) => expect(a).toMatchObject({ ownerEmail: w.ownerA.email, email: w.ownerB.email }),
  }),
  row('invites.accept', {
    // The invite is addressed to owner B: only B may accept it, not even an admin.
    input: (w) => ({ token: w.invite.secret }),
    expected: {
      ...AUTHED,
      member: 'FORBIDDEN',
      owner: 'FORBIDDEN',
      admin: 'FORBIDDEN',
      serviceAdmin: 'FORBIDDEN',
      serviceMember: 'FORBIDDEN',
    },
    check: (a, w) => {
      expect(a.accountOwnerId).toBe(w.ownerA.id);
      expect(a.cluster?.id).toBe(w.cluster.id);
    },
  }),

  row('usage.daily', {
    variant: "A's member's usage",
    input: (w) => ({ ...USAGE_RANGE, userId: w.memberA.id }),
    expected: { ...AUTHED, ownerB: 'FORBIDDEN' },
    check: (a) => {
      expect(a.map((r) => r.date)).toEqual(['2025-09-14', '2025-09-15', '2025-09-16']);
      expect(cpuOn(a, USAGE_DAY)).toBe(CPU_HOURS.memberA);
    },
  }),
  row('usage.daily', {
    variant: "A's owner's own usage",
    input: (w) => ({ ...USAGE_RANGE, userId: w.ownerA.id }),
    expected: { ...AUTHED, member: 'FORBIDDEN', serviceMember: 'FORBIDDEN', ownerB: 'FORBIDDEN' },
    check: (a) => expect(cpuOn(a, USAGE_DAY)).toBe(CPU_HOURS.ownerA),
  }),
  row('usage.daily', {
    variant: "account A's usage",
    input: (w) => ({ ...USAGE_RANGE, accountOwnerId: w.ownerA.id }),
    expected: { ...AUTHED, member: 'FORBIDDEN', serviceMember: 'FORBIDDEN', ownerB: 'FORBIDDEN' },
    check: (a) => expect(cpuOn(a, USAGE_DAY)).toBe('11.0000'),
  }),
  row('usage.summary', {
    variant: "A's member's usage",
    input: (w) => ({ ...USAGE_RANGE, userId: w.memberA.id }),
    expected: { ...AUTHED, ownerB: 'FORBIDDEN' },
    check: (a, w) => {
      expect(a).toMatchObject({ userId: w.memberA.id });
      expect(a.totals.cpuHours).toBe(CPU_HOURS.memberA);
      expect(a.byMember.map((m) => m.userId)).toEqual([w.memberA.id]);
    },
  }),
  row('usage.summary', {
    input: (w) => ({ ...USAGE_RANGE, accountOwnerId: w.ownerA.id }),
    expected: { ...AUTHED, member: 'FORBIDDEN', serviceMember: 'FORBIDDEN', ownerB: 'FORBIDDEN' },
    check: (a, w) => {
      expect(a.totals.cpuHours).toBe('11.0000');
      expect(a.byMember.map((m) => m.userId).sort()).toEqual([w.ownerA.id, w.memberA.id].sort());
    },
  }),
  row('usage.rateCard', {
    expected: AUTHED,
    check: (a) => expect(a).toMatchObject({ id: '2025-08', usdPerCredit: '0.25' }),
  }),
  row('usage.top', { input: () => ({ ...USAGE_RANGE, limit: 5 }), expected: ADMIN }),
  row('usage.ingest', {
    input: (w) => ({ records: [usageRecord(w.memberA.id, INGEST_DAY, '2')] }),
    expected: SERVICE,
    check: (a) => expect(a).toMatchObject({ inserted: 1, updated: 0, costDelta: '0.2500' }),
  }),

  row('credits.balance', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) => expect(a).toMatchObject({ userId: w.ownerA.id, billingMode: 'prepaid' }),
  }),
  row('credits.transactions', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a) => expect(new Set(a.items.map((i) => i.kind))).toEqual(new Set(['grant', 'usage'])),
  }),
  row('credits.grant', {
    input: (w) => ({ userId: w.ownerA.id, amount: '5', pool: 'free' as const, reason: 'matrix' }),
    expected: ADMIN,
    check: (a, w) => expect(a.userId).toBe(w.ownerA.id),
  }),

  row('billing.status', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a, w) => expect(a).toMatchObject({ userId: w.ownerA.id, stripe: true, card: null }),
  }),
  row('billing.invoices', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: OWNER_OF_A('FORBIDDEN'),
    check: (a) => expect(a).toEqual([]),
  }),
  row('billing.setupPayment', {
    // No input: every owner sets up their own account (owner B its own, never A's).
    expected: OWNER_OF_A('ok'),
    check: (a) => expect(a.url).toContain(stripeWorld.fake.url),
  }),
  row('billing.portal', {
    // Nobody in the world has a Stripe customer yet: the portal asks for a card first.
    expected: {
      ...OWNER_OF_A('PRECONDITION_FAILED'),
      owner: 'PRECONDITION_FAILED',
      admin: 'PRECONDITION_FAILED',
      serviceAdmin: 'PRECONDITION_FAILED',
    },
  }),
  row('billing.buyCredits', {
    // A is prepaid; owner B and the admin are postpaid, and postpaid accounts buy no credits.
    input: () => ({ amount: '25' }),
    expected: {
      ...OWNER_OF_A('PRECONDITION_FAILED'),
      admin: 'PRECONDITION_FAILED',
      serviceAdmin: 'PRECONDITION_FAILED',
    },
    check: (a) => expect(a.url).toContain(stripeWorld.fake.url),
  }),
  row('billing.reportNow', {
    expected: ADMIN,
    check: (a) =>
      expect(a).toMatchObject({ accounts: expect.any(Number), events: expect.any(Number) }),
  }),

  row('clusters.mine', {
    expected: AUTHED,
    check: (a, w, c) =>
      expect(a?.id ?? null).toBe(
        ['member', 'owner', 'serviceMember'].includes(c) ? w.cluster.id : null,
      ),
  }),
  row('clusters.list', {
    expected: ADMIN,
    check: (a, w) => expect(a.find((c) => c.id === w.cluster.id)?.hasApiKey).toBe(true),
  }),
  row('clusters.get', {
    input: (w) => ({ id: w.cluster.id }),
    expected: ADMIN,
    check: (a, w) => expect(a.accounts.map((x) => x.owner.id)).toEqual([w.ownerA.id]),
  }),
  row('clusters.create', {
    input: () => {
      const name = unique('created');
      return {
        name,
        apiUrl: `https://${name}.hopsworks.test`,
        apiKey: `apikey-${SECRET_MARK}-${name}`,
        kubeconfig: `kubeconfig-${SECRET_MARK}-${name}`,
        maxUsers: 10,
      };
    },
    expected: ADMIN,
    check: (a) => expect(a).toMatchObject({ hasApiKey: true, hasKubeconfig: true }),
  }),
  row('clusters.update', {
    input: (w) => ({
      id: w.cluster.id,
      apiKey: `apikey-${SECRET_MARK}-rotated`,
      kubeconfig: `kubeconfig-${SECRET_MARK}-rotated`,
      maxUsers: 50,
    }),
    expected: ADMIN,
    check: (a) => expect(a).toMatchObject({ maxUsers: 50, hasApiKey: true, hasKubeconfig: true }),
  }),
  row('clusters.assign', {
    input: (w) => ({ userId: w.ownerA.id, clusterId: w.spareCluster.id }),
    expected: ADMIN,
    check: (a, w) =>
      expect(a).toMatchObject({ status: 'moved', cluster: { id: w.spareCluster.id } }),
  }),
  row('clusters.previewAssign', {
    input: (w) => ({ userId: w.ownerA.id, clusterId: w.spareCluster.id }),
    expected: ADMIN,
    check: (a, w) =>
      expect(a).toMatchObject({ ok: true, change: 'move', to: { id: w.spareCluster.id } }),
  }),
  row('clusters.provisioning', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: ADMIN,
    check: (a, w) =>
      expect(a.every((job) => job.userId === w.ownerA.id && job.action === 'activate')).toBe(true),
  }),
  row('clusters.retryProvisioning', {
    input: () => ({ jobId: '987654321' }),
    expected: { ...ADMIN, admin: 'NOT_FOUND', serviceAdmin: 'NOT_FOUND' },
  }),
  row('clusters.collection', {
    input: (w) => ({ clusterId: w.cluster.id }),
    expected: ADMIN,
    check: (a) => expect(a).toEqual({ health: null, hours: [], unmapped: [] }),
  }),
  row('clusters.collectNow', {
    input: () => ({}),
    expected: ADMIN,
    // No cluster of this world has an OpenCost URL: nothing to collect, nothing called.
    check: (a) => expect(a).toEqual({ clusters: [] }),
  }),
  row('clusters.unassign', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: ADMIN,
    check: (a, w) => expect(a).toMatchObject({ status: 'unassigned', fromClusterId: w.cluster.id }),
  }),

  row('admin.users.list', {
    input: (w) => ({ search: w.ownerA.email }),
    expected: ADMIN,
    check: (a, w) => expect(a.items.map((u) => u.id)).toEqual([w.ownerA.id]),
  }),
  row('admin.users.get', {
    input: (w) => ({ userId: w.ownerA.id }),
    expected: ADMIN,
    check: (a, w) => expect(a.account.members.map((m) => m.id)).toEqual([w.memberA.id]),
  }),
  row('admin.users.setStatus', {
    input: (w) => ({ userId: w.memberA.id, status: 'suspended' as const, reason: 'matrix' }),
    expected: ADMIN,
    check: (a) => expect(a).toMatchObject({ changed: true, user: { status: 'suspended' } }),
  }),
  row('admin.users.delete', {
    input: (w) => ({ userId: w.memberA.id, reason: 'matrix' }),
    expected: ADMIN,
    check: (a, w) => expect(a).toMatchObject({ userId: w.memberA.id, revokedInvites: 0 }),
  }),
  row('admin.users.signOutEverywhere', {
    input: (w) => ({ userId: w.memberA.id, reason: 'matrix' }),
    expected: ADMIN,
    check: (a) => expect(Date.parse(a.signedOutAt)).not.toBeNaN(),
  }),
  row('admin.users.setAdmin', {
    input: (w) => ({ userId: w.memberA.id, isAdmin: true }),
    expected: ADMIN,
    check: (a) => expect(a).toMatchObject({ changed: true, user: { isAdmin: true } }),
  }),
  row('admin.users.setBillingMode', {
    input: (w) => ({ userId: w.ownerA.id, billingMode: 'postpaid' as const }),
    expected: ADMIN,
    check: (a) => expect(a).toMatchObject({ changed: true, user: { billingMode: 'postpaid' } }),
  }),

  row('audit.list', {
    input: (w) => ({ targetId: w.ownerA.id }),
    expected: ADMIN,
    check: (a) => expect(a.items.map((i) => i.action)).toContain('credits.grant'),
  }),

  row('events.since', {
    input: () => ({ consumer: unique('matrix') }),
    expected: SERVICE,
    check: (a) => expect(a.cursor).toBe(0),
  }),
  row('events.commit', {
    input: () => ({ consumer: unique('matrix'), lastEventId: 0 }),
    expected: SERVICE,
    check: (a) => expect(a.lastEventId).toBe(0),
  }),
  row('service.resolveActor', {
    input: (w) => ({ email: w.ownerA.email }),
    expected: SERVICE,
    check: (a, w) => expect(a).toEqual({ userId: w.ownerA.id, isAdmin: false, status: 'active' }),
  }),
];

// ---------------------------------------------------------------------------------------------
// Running a cell

type Caller = Awaited<ReturnType<typeof callerAs>>;

async function call(caller: Caller, path: string, input: unknown) {
  let node: unknown = caller;
  for (const key of path.split('.')) node = (node as Record<string, unknown>)[key];
  try {
    const value = await (node as (input: unknown) => Promise<unknown>)(input);
    return { outcome: 'ok', value, message: '' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    return {
      outcome: typeof code === 'string' ? code : `thrown: ${message}`,
      value: null,
      message,
    };
  }
}

/** Every successful answer of the matrix, for the secret check at the end. */
const answers: { cell: string; json: string }[] = [];

/** Queries share one world; a mutation gets a fresh one, so no cell sees another's changes. */
const sharedWorld = await buildWorld(db, deps);
const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
const mutates = (path: string) => procedures[path]?._def.type !== 'query';

describe('authorization matrix', () => {
  describe.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const cells = CALLER_KEYS.map((key) => [CALLERS[key].label, r.expected[key], key] as const);
    it.each(cells)('%s → %s', async (label, expected, key) => {
      const w = mutates(r.path) ? await buildWorld(db, deps) : sharedWorld;
      const caller = await callerAs(db, CALLERS[key].who(w), deps);
      const result = await call(caller, r.path, r.input(w));
      expect(result.outcome, result.message).toBe(expected);
      if (result.outcome !== 'ok') return;
      answers.push({ cell: `${r.name} × ${label}`, json: JSON.stringify(result.value) });
      r.check?.(result.value as never, w, key);
    });
  });

  it('has a row for every procedure of the router, and no row for a procedure that is gone', () => {
    const paths = Object.keys(procedures).sort();
    const covered = new Set<string>(ROWS.map((r) => r.path));
    expect(paths.filter((p) => !covered.has(p))).toEqual([]);
    expect([...covered].filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('never answers anyone with a cluster secret or an invite token hash', async () => {
    // Not vacuous: the answers that describe clusters are among those checked.
    const cells = answers.map((a) => a.cell);
    for (const path of ['clusters.list', 'clusters.get', 'clusters.create', 'clusters.update']) {
      expect(cells, 'run the whole file').toContain(`${path} × admin`);
    }
    const hashes = new Set(
      (await db.selectFrom('teamInvites').select('token').execute()).map((r) => r.token),
    );
    for (const { cell, json } of answers) {
      expect(json, cell).not.toContain(SECRET_MARK);
      expect(json, cell).not.toContain('enc:v1:');
      const leaked = (json.match(/[0-9a-f]{64}/g) ?? []).filter((h) => hashes.has(h));
      expect(leaked, cell).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Scopes (SPEC §12): the matrix's service callers hold every scope; here each scope is taken away.

describe('service token scopes', () => {
  // The service procedures: a bare token is answered, a signed-in person is not.
  const serviceRows = ROWS.filter((r) => r.expected.service === 'ok' && r.expected.admin !== 'ok');

  it('names a scope for exactly the service procedures', () => {
    expect(Object.keys(SERVICE_PROCEDURE_SCOPES).sort()).toEqual(
      serviceRows.map((r) => r.path).sort(),
    );
  });

  it.each(serviceRows.map((r) => [r.path, r] as const))(
    '%s: refused without its scope, answered with it alone',
    async (path, r) => {
      const scope = SERVICE_PROCEDURE_SCOPES[path]!;
      const w = mutates(path) ? await buildWorld(db, deps) : sharedWorld;
      const others = (['ingest', 'events', 'act-as', 'billing'] as const).filter(
        (s) => s !== scope,
      );
      const without = await callerAs(db, { service: true, scopes: others }, deps);
      const refused = await call(without, path, r.input(w));
      expect(refused.outcome).toBe('FORBIDDEN');
      expect(refused.message).toBe(
        `The service token "test" lacks the ${scope} scope that ${path} needs.`,
      );
      const only = await callerAs(db, { service: true, scopes: [scope] }, deps);
      expect((await call(only, path, r.input(w))).outcome).toBe('ok');
    },
  );

  it('acting for a person needs act-as, whatever the procedure', async () => {
    const w = sharedWorld;
    const caller = await callerAs(
      db,
      { service: true, actAs: w.admin.id, scopes: ['ingest', 'events', 'billing'] },
      deps,
    );
    for (const r of ROWS.filter(
      (row) => row.expected.serviceAdmin === 'ok' && !mutates(row.path),
    )) {
      const refused = await call(caller, r.path, r.input(w));
      expect(refused.outcome, r.path).toBe('FORBIDDEN');
      expect(refused.message).toBe(
        'The service token "test" may not act for a person: it lacks the act-as scope.',
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Isolation beyond codes: what a caller asks about without naming anyone is their own.

describe('data isolation', () => {
  it("a member's usage never holds anyone else's rows", async () => {
    const w = await buildWorld(db, deps);
    for (const who of [{ userId: w.memberA.id }, { service: true as const, actAs: w.memberA.id }]) {
      const member = await callerAs(db, who, deps);
      expect(cpuOn(await member.usage.daily(USAGE_RANGE), USAGE_DAY)).toBe(CPU_HOURS.memberA);
      const own = await member.usage.daily({ ...USAGE_RANGE, userId: w.memberA.id });
      expect(cpuOn(own, USAGE_DAY)).toBe(CPU_HOURS.memberA);
      const summary = await member.usage.summary(USAGE_RANGE);
      expect(summary).toMatchObject({ userId: w.memberA.id, accountOwnerId: null });
      expect(summary.totals.cpuHours).toBe(CPU_HOURS.memberA);
      expect(summary.byMember.map((m) => m.userId)).toEqual([w.memberA.id]);
    }
  });

  it("owner B's own answers hold B's data only, never account A's", async () => {
    const w = await buildWorld(db, deps);
    const bActor = await userCaller(db, w.ownerB.id);
    const bInvite = await inTransaction(db, async (trx) => {
      await grantCredits(trx, bActor, {
        userId: w.ownerB.id,
        amount: '7',
        pool: 'paid',
        reason: 'isolation',
      });
      return createInvite(trx, bActor, { email: `${unique('b-invitee')}@c.test` });
    });
    const b = await callerAs(db, { userId: w.ownerB.id }, deps);
    const aIds = [w.ownerA.id, w.memberA.id, w.invite.id, w.ownerA.email, w.memberA.email];
    const noneOfA = (answer: unknown) => {
      const json = JSON.stringify(answer);
      expect(aIds.filter((id) => json.includes(id))).toEqual([]);
    };

    const summary = await b.usage.summary(USAGE_RANGE);
    expect(summary).toMatchObject({ accountOwnerId: w.ownerB.id, userId: null });
    expect(summary.totals.cpuHours).toBe(CPU_HOURS.ownerB);
    expect(summary.byMember.map((m) => m.userId)).toEqual([w.ownerB.id]);
    noneOfA(summary);

    const daily = await b.usage.daily(USAGE_RANGE);
    expect(cpuOn(daily, USAGE_DAY)).toBe(CPU_HOURS.ownerB);

    const balance = await b.credits.balance();
    expect(balance).toMatchObject({ userId: w.ownerB.id, paid: '7.0000', free: '0.0000' });
    const ledger = await b.credits.transactions();
    expect(ledger.items.map((i) => [i.kind, i.amount])).toEqual([['purchase', '7.0000']]);
    noneOfA(ledger);

    const invites = await b.invites.list();
    expect(invites.map((i) => i.id)).toEqual([bInvite.invite.id]);
    noneOfA(invites);

    const team = await b.team.get();
    expect(team).toMatchObject({ owner: { id: w.ownerB.id }, members: [], isOwner: true });
    noneOfA(team);
  });
});
