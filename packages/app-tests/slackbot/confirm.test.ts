// Confirm and Cancel for every mutating command, through the real receiver: Cancel changes
// nothing, Confirm changes exactly what the prompt said, and the state is read back through the API.
// The clicking user is resolved and their rights checked again on Confirm.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareDecimals, formatUsd, sumDecimals } from '@hops/api/decimal';
import { CANCEL_ACTION, CONFIRM_ACTION, REVOKE_ACTION } from '@hops/slackbot';
import { buttonValue, startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const user = (email: string) => stack.admin.admin.users.get.query({ email });
const balance = (userId: string) => stack.admin.credits.balance.query({ userId });

/** Cancel replaces the prompt with "Cancelled: …" and changes nothing. */
async function cancel(line: string, cancelled: string) {
  const prompt = await stack.slash(line);
  expect(prompt.text).toContain('[Confirm] [Cancel]');
  const result = await stack.click(prompt.reply, CANCEL_ACTION);
  expect(result.text).toContain(`Cancelled: ${cancelled}. Nothing changed.`);
  expect(result.reply.replace_original).toBe(true);
}

/** Confirm replaces the prompt with the outcome. */
async function confirm(line: string, as: 'admin' | 'admin2' = 'admin') {
  const prompt = await stack.slash(line, { as });
  expect(prompt.text).toContain('[Confirm] [Cancel]');
  const result = await stack.click(prompt.reply, CONFIRM_ACTION, { as });
  expect(result.reply.replace_original).toBe(true);
  expect(result.reply.response_type).toBe('ephemeral');
  return result.text;
}

describe('assign', () => {
  test('Cancel leaves the account where it is', async () => {
    await cancel(
      'assign heidi@umbrella.test eu-west-1-prod',
      'assign heidi@umbrella.test to eu-west-1-prod',
    );
    expect((await user('heidi@umbrella.test')).cluster?.name).toBe('us-east-1-prod');
    expect((await user('ivan@umbrella.test')).cluster?.name).toBe('us-east-1-prod');
  });

  test('Confirm moves the whole account', async () => {
    const before = await stack.admin.clusters.list.query();
    const eu = before.find((c) => c.name === 'eu-west-1-prod')!;
    const text = await confirm('assign heidi@umbrella.test eu-west-1-prod');
    expect(text).toBe(
      `✔ Moved the account of heidi@umbrella.test to eu-west-1-prod (now ${eu.currentUsers + 2}/${eu.maxUsers} users).`,
    );
    expect((await user('heidi@umbrella.test')).cluster?.name).toBe('eu-west-1-prod');
    expect((await user('ivan@umbrella.test')).cluster?.name).toBe('eu-west-1-prod');
  });

  test("Confirm with 'auto' places an unassigned owner", async () => {
    expect((await user('nina@stark.test')).cluster).toBeNull();
    const text = await confirm('assign nina@stark.test auto');
    expect(text).toMatch(
      /^✔ Assigned the account of nina@stark\.test to \S+ \(now \d+\/\d+ users\)\.$/,
    );
    expect((await user('nina@stark.test')).cluster).not.toBeNull();
  });

  test('a member cannot be assigned alone: the check says so before any Confirm, nothing moves', async () => {
    const { text } = await stack.slash('assign bob@acme.test eu-west-1-prod');
    expect(text).toMatch(/^⚠ bob@acme\.test is a member of another account/);
    expect(text).not.toContain('[Confirm]');
    expect((await user('bob@acme.test')).cluster?.name).toBe('us-east-1-prod');
  });
});

describe('unassign', () => {
  test('Cancel, then Confirm takes the whole account off its cluster', async () => {
    await cancel('unassign judy@hooli.test', 'unassign judy@hooli.test');
    expect((await user('judy@hooli.test')).cluster?.name).toBe('us-east-1-prod');
    const text = await confirm('unassign judy@hooli.test');
    expect(text).toBe('✔ Unassigned the account of judy@hooli.test (4 users left their cluster).');
    for (const email of [
      'judy@hooli.test',
      'ken@hooli.test',
      'lena@hooli.test',
      'mike@hooli.test',
    ]) {
      expect((await user(email)).cluster).toBeNull();
    }
  });
});

describe('credits grant', () => {
  test('Cancel grants nothing', async () => {
    const before = await balance('dev|grace');
    await cancel(
      'credits grant grace@initech.test 25 goodwill',
      'grant $25 of free credits to grace@initech.test',
    );
    expect(await balance('dev|grace')).toEqual(before);
  });

  test('Confirm grants exactly the amount typed, to the pool named, with the reason', async () => {
    const before = await balance('dev|grace');
    const text = await confirm(
      'credits grant grace@initech.test 12.3456 paid "refund for outage #42"',
    );
    const after = await balance('dev|grace');
    expect(text).toBe(
      `✔ Granted $12.35 of paid credits to grace@initech.test; ${formatUsd(after.available)} now available.`,
    );
    // Exact decimal arithmetic on the API's strings: +12.3456 to paid, free unchanged.
    expect(compareDecimals(after.paid, sumDecimals([before.paid, '12.3456']))).toBe(0);
    expect(after.free).toBe(before.free);
    const ledger = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 5 });
    expect(ledger.items[0]).toMatchObject({ pool: 'paid', amount: '12.3456' });
    expect(ledger.items[0]!.description).toContain('refund for outage #42');
  });

  test("a grant for a member goes to the account's owner (free pool by default)", async () => {
    const before = await balance('dev|alice');
    const prompt = await stack.slash('credits grant bob@acme.test 5 welcome');
    expect(prompt.text).toContain('Grant $5.00 (20 credits) of free credits to alice@acme.test?');
    expect(prompt.text).toContain('bob@acme.test is a member: credits go to the owner');
    await stack.click(prompt.reply, CONFIRM_ACTION);
    const after = await balance('dev|alice');
    expect(after.free).not.toBe(before.free);
    expect(after.paid).toBe(before.paid);
  });
});

describe('suspend and reactivate', () => {
  test('Cancel leaves the user active; Confirm suspends with the reason; reactivate restores', async () => {
    await cancel('suspend frank@globex.test "late payment"', 'suspend frank@globex.test');
    expect((await user('frank@globex.test')).user.status).toBe('active');

    expect(await confirm('suspend frank@globex.test "late payment"')).toBe(
      '✔ Suspended frank@globex.test. Reason: late payment',
    );
    expect((await user('frank@globex.test')).user.status).toBe('suspended');
    const audit = await stack.admin.audit.list.query({ targetId: 'dev|frank', limit: 1 });
    expect(audit.items[0]).toMatchObject({
      action: 'admin.users.setStatus',
      actorUserId: 'dev|admin',
      via: 'slack',
    });
    expect(audit.items[0]!.details).toMatchObject({ to: 'suspended', reason: 'late payment' });

    await cancel('reactivate frank@globex.test', 'reactivate frank@globex.test');
    expect((await user('frank@globex.test')).user.status).toBe('suspended');
    expect(await confirm('reactivate frank@globex.test')).toBe('✔ Reactivated frank@globex.test.');
    expect((await user('frank@globex.test')).user.status).toBe('active');
  });

  test('an admin cannot suspend themselves: the API sentence is shown', async () => {
    const text = await confirm('suspend admin@hops.test "just testing"');
    expect(text).toMatch(/^⚠ You cannot suspend your own account/);
    expect((await user('admin@hops.test')).user.status).toBe('active');
  });
});

describe('invite revoke', () => {
  test('Revoke asks for a Confirm; Cancel keeps the invite, Confirm revokes it', async () => {
    await stack.slash('invite judy@hooli.test quinn@hooli.test');
    const list = await stack.slash('invites judy@hooli.test');
    const ask = await stack.click(list.reply, REVOKE_ACTION);
    expect(ask.text).toContain(
      "Revoke the invite of quinn@hooli.test to judy@hooli.test's account? The link stops working.",
    );
    expect(ask.reply.replace_original).toBeFalsy(); // the list stays
    const cancelled = await stack.click(ask.reply, CANCEL_ACTION);
    expect(cancelled.text).toContain('Cancelled: revoke the invite of quinn@hooli.test');
    expect(
      (await stack.admin.invites.list.query({ ownerId: 'dev|judy' })).map((i) => i.email),
    ).toEqual(['quinn@hooli.test']);

    const again = await stack.click(list.reply, REVOKE_ACTION);
    const done = await stack.click(again.reply, CONFIRM_ACTION);
    expect(done.text).toBe(
      "✔ Revoked the invite of quinn@hooli.test to judy@hooli.test's account.",
    );
    expect(await stack.admin.invites.list.query({ ownerId: 'dev|judy' })).toEqual([]);
  });
});

describe('who clicks Confirm', () => {
  test('a non-admin clicking a Confirm is refused and nothing changes', async () => {
    const prompt = await stack.slash('suspend gina@globex.test abuse');
    const refused = await stack.click(prompt.reply, CONFIRM_ACTION, { as: 'alice' });
    expect(refused.text).toBe(
      '⛔ Your hops user alice@acme.test is not an admin. Only hops admins can use /hops.',
    );
    expect(refused.reply.replace_original).toBe(false);
    const suspended = await stack.click(prompt.reply, CONFIRM_ACTION, { as: 'suspended' });
    expect(suspended.text).toContain('is suspended, so you cannot use /hops');
    const stranger = await stack.click(prompt.reply, CONFIRM_ACTION, { as: 'stranger' });
    expect(stranger.text).toContain('No hops user has the e-mail stranger@nowhere.test');
    expect((await user('gina@globex.test')).user.status).toBe('active');
  });

  test('an admin who lost the right between prompt and click is refused', async () => {
    const prompt = await stack.slash('suspend gina@globex.test abuse', { as: 'admin2' });
    await stack.admin.admin.users.setAdmin.mutate({ userId: 'test|admin2', isAdmin: false });
    try {
      const refused = await stack.click(prompt.reply, CONFIRM_ACTION, { as: 'admin2' });
      expect(refused.text).toContain('is not an admin');
      expect((await user('gina@globex.test')).user.status).toBe('active');
    } finally {
      await stack.admin.admin.users.setAdmin.mutate({ userId: 'test|admin2', isAdmin: true });
    }
  });

  test('another admin may confirm; the audit log names the one who clicked', async () => {
    const prompt = await stack.slash('suspend gina@globex.test "shared account"');
    const done = await stack.click(prompt.reply, CONFIRM_ACTION, { as: 'admin2' });
    expect(done.text).toBe('✔ Suspended gina@globex.test. Reason: shared account');
    const audit = await stack.admin.audit.list.query({ targetId: 'dev|gina', limit: 1 });
    expect(audit.items[0]).toMatchObject({ actorUserId: 'test|admin2', via: 'slack' });
  });

  test('an expired prompt cannot act', async () => {
    const prompt = await stack.slash('suspend hank@globex.test "old prompt"');
    const value = JSON.parse(buttonValue(prompt.reply, CONFIRM_ACTION)) as { expiresAt: number };
    expect(value.expiresAt).toBeGreaterThan(Date.now() + 14 * 60_000);
    const old = JSON.stringify({ ...value, expiresAt: Date.now() - 1 });
    const stale = {
      blocks: [
        { type: 'actions', elements: [{ type: 'button', action_id: CONFIRM_ACTION, value: old }] },
      ],
    };
    const result = await stack.click(stale, CONFIRM_ACTION);
    expect(result.text).toBe(
      '⚠ This confirmation has expired: nothing changed. Run the command again to suspend hank@globex.test.',
    );
    expect((await user('hank@globex.test')).user.status).toBe('active');
  });

  test('a double click on Confirm acts once', async () => {
    const before = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 50 });
    const prompt = await stack.slash('credits grant grace@initech.test 7 "double click"');
    const first = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(first.text).toContain('Granted $7.00');
    // The second click grants nothing and answers what the first one did.
    const second = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(second.text).toBe(first.text);
    const after = await stack.admin.credits.transactions.query({ userId: 'dev|grace', limit: 50 });
    const grants = (items: typeof after.items) =>
      items.filter((t) => t.kind === 'grant' && t.description.includes('double click'));
    expect(grants(after.items)).toHaveLength(1);
    expect(grants(before.items)).toHaveLength(0);
  });
});
