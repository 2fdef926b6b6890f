// /hops cap and the cap in /hops whois, through the real receiver and the real API (SPEC §11):
// Cancel changes nothing, Confirm sets exactly what the prompt said (read back through the API),
// and a wrong cap, policy, e-mail or a member is answered before any Confirm, nothing changed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { utcDay } from '@hops/api/days';
import { makeUser, userDay } from '@hops/api/testing';
import { CANCEL_ACTION, CONFIRM_ACTION } from '@hops/slackbot';
import { startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const capOf = (userId: string) => stack.admin.account.spendingCap.query({ userId });
const month = () => utcDay(new Date()).slice(0, 7);

/** A prompt, then a click on one of its buttons. */
async function click(line: string, actionId: string) {
  const prompt = await stack.slash(line);
  expect(prompt.text).toContain('[Confirm] [Cancel]');
  const result = await stack.click(prompt.reply, actionId);
  expect(result.reply.replace_original).toBe(true);
  return { prompt: prompt.text, outcome: result.text };
}

/** The reply is a refusal (no Confirm) and the cap stays as it was. */
async function refused(line: string, userId: string, sentence: RegExp) {
  const before = await capOf(userId);
  const { text, reply } = await stack.slash(line);
  expect(text).toMatch(sentence);
  expect(text).not.toContain('[Confirm]');
  expect(reply.response_type).toBe('ephemeral');
  expect(await capOf(userId)).toEqual(before);
}

describe('cap', () => {
  test('help lists it with its policies and the default', async () => {
    const { text } = await stack.slash('help');
    expect(text).toContain('/hops cap <email> <usd | off> [notify | suspend]');
    expect(text).toContain('without a policy the current one stays (notify if none)');
  });

  test('Cancel changes nothing', async () => {
    const { prompt, outcome } = await click('cap alice@acme.test 500', CANCEL_ACTION);
    expect(prompt).toContain("Cap alice@acme.test's account at $500.00 a month (notify)?");
    expect(prompt).toContain('now: no cap');
    expect(outcome).toContain(
      'Cancelled: cap alice@acme.test at $500.00 a month (notify). Nothing changed.',
    );
    expect((await capOf('dev|alice')).capUsd).toBeNull();
  });

  test('Confirm sets the cap; notify when no policy was ever set; then the policy is kept', async () => {
    const first = await click('cap alice@acme.test 500', CONFIRM_ACTION);
    expect(first.prompt).toContain(
      'notify: warns at 50, 80 and 100 %, stops nothing (the current policy',
    );
    const set = await capOf('dev|alice');
    expect(set).toMatchObject({ capUsd: '500.00', policy: 'notify', stopped: false });
    expect(first.outcome).toMatch(
      new RegExp(
        `^✔ Capped alice@acme\\.test's account at \\$500\\.00 a month \\(notify\\); \\$[\\d,.]+ so far in ${month()} \\(${set.percent} %\\)\\.$`,
      ),
    );

    await click('cap alice@acme.test 1,250.50 suspend', CONFIRM_ACTION);
    expect(await capOf('dev|alice')).toMatchObject({ capUsd: '1250.50', policy: 'suspend' });

    // No policy: the current one (suspend) stays.
    const kept = await click('cap alice@acme.test $2000', CONFIRM_ACTION);
    expect(kept.prompt).toContain("Cap alice@acme.test's account at $2,000.00 a month (suspend)?");
    expect(kept.prompt).toContain('now: $1,250.50 a month (suspend)');
    expect(await capOf('dev|alice')).toMatchObject({ capUsd: '2000.00', policy: 'suspend' });
  });

  test('the same cap again needs no Confirm', async () => {
    const { text } = await stack.slash('cap alice@acme.test 2000.00');
    expect(text).toMatch(
      /^✔ alice@acme\.test's account already has \$2,000\.00 a month \(suspend\); nothing to change\./,
    );
    expect(text).not.toContain('[Confirm]');
  });

  test("whois shows the cap, the month so far and whether it stopped the account; a member sees the owner's", async () => {
    const cap = await capOf('dev|alice');
    const owner = await stack.slash('whois alice@acme.test');
    expect(owner.text).toMatch(
      new RegExp(
        `Spending cap: \\$2,000\\.00 a month \\(suspend\\) · \\$[\\d,.]+ so far in ${month()} \\(${cap.percent} %\\) · not suspended this month`,
      ),
    );
    const member = await stack.slash('whois bob@acme.test');
    expect(member.text).toContain('Spending cap (account): $2,000.00 a month (suspend)');
    const none = await stack.slash('whois grace@initech.test');
    expect(none.text).toMatch(
      new RegExp(`Spending cap: no cap · \\$[\\d,.]+ so far in ${month()}`),
    );
  });

  test('off turns it off, after Confirm', async () => {
    const { prompt, outcome } = await click('cap alice@acme.test off', CONFIRM_ACTION);
    expect(prompt).toContain("Turn off the spending cap of alice@acme.test's account?");
    expect(outcome).toMatch(/^✔ Turned off the spending cap of alice@acme\.test's account;/);
    expect((await capOf('dev|alice')).capUsd).toBeNull();
    const again = await stack.slash('cap alice@acme.test off');
    expect(again.text).toMatch(/already has no cap; nothing to change/);
  });

  test('a suspend cap under the month so far stops the account at once, and the prompt says so', async () => {
    const owner = await makeUser(stack.db, { email: 'capped@spend.test' });
    // 8 CPU hours today: $1.00 this month.
    await stack.collector.usage.ingest.mutate({
      records: [userDay(owner.id, utcDay(new Date()), { cpuHours: '8' })],
    });
    const { prompt, outcome } = await click('cap capped@spend.test 0.50 suspend', CONFIRM_ACTION);
    expect(prompt).toContain(
      "this month already cost $1.00: the cap is reached at once and the account's people are stopped",
    );
    expect(outcome).toContain("The cap is reached: the account's people are deactivated");
    expect(await capOf(owner.id)).toMatchObject({ capUsd: '0.50', stopped: true, percent: 200 });
    expect((await stack.slash('whois capped@spend.test')).text).toContain(
      `$0.50 a month (suspend) · $1.00 so far in ${month()} (200 %) · ⛔ suspended this month`,
    );
    // Raising the cap above the month's cost lifts the stop.
    await click('cap capped@spend.test 5', CONFIRM_ACTION);
    expect(await capOf(owner.id)).toMatchObject({
      capUsd: '5.00',
      policy: 'suspend',
      stopped: false,
    });
  });

  test('a wrong cap or policy is answered with its sentence and the usage line, nothing changed', async () => {
    const usage = /Usage:\n\/hops cap <email> <usd \| off> \[notify \| suspend\]/;
    for (const [line, sentence] of [
      ['cap alice@acme.test 0', /A cap must be more than \$0; for no cap, write off\./],
      ['cap alice@acme.test -5', /A cap must be more than \$0, not -5/],
      ['cap alice@acme.test 12.345', /at most 2 decimals \(cents\), not 3 \(12\.345\)/],
      ['cap alice@acme.test 2000000000', /A cap can be at most \$1,000,000,000/],
      ['cap alice@acme.test lots', /lots is not a cap/],
      ['cap alice@acme.test 500 stop', /stop is not a policy: use notify .* or suspend/],
      ['cap alice@acme.test off suspend', /off takes no policy/],
      ['cap alice@acme.test', /Give the cap in USD/],
      ['cap alice 500', /alice is not an e-mail address/],
      ['cap alice@acme.test 500 notify now', /Unexpected now/],
    ] as const) {
      await refused(line, 'dev|alice', sentence);
      expect((await stack.slash(line)).text, line).toMatch(usage);
    }
  });

  test('an unknown e-mail and a member get a sentence and no Confirm', async () => {
    await refused('cap nobody@nowhere.test 500', 'dev|alice', /⚠ .*nobody@nowhere\.test/);
    await refused(
      'cap bob@acme.test 500 suspend',
      'dev|alice',
      /^⚠ bob@acme\.test is a member of alice@acme\.test's account, and a spending cap belongs to the whole account\. Set it on the owner: \/hops cap alice@acme\.test 500 suspend$/,
    );
  });

  test('the API refusing at Confirm (the owner became a member meanwhile) shows its sentence, nothing changed', async () => {
    const owner = await makeUser(stack.db, { email: 'soon-member@spend.test' });
    const prompt = await stack.slash('cap soon-member@spend.test 100');
    await stack.db
      .updateTable('users')
      .set({ accountOwnerId: 'dev|alice' })
      .where('id', '=', owner.id)
      .execute();
    const { text } = await stack.click(prompt.reply, CONFIRM_ACTION);
    expect(text).toBe(
      "⚠ soon-member@spend.test is a member of another account; set the cap on the account's owner.",
    );
    expect((await capOf('dev|alice')).capUsd).toBeNull();
    const row = await stack.db
      .selectFrom('users')
      .select('spendingCapUsd')
      .where('id', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(row.spendingCapUsd).toBeNull();
  });

  test('someone who is not an admin cannot cap an account', async () => {
    const { text } = await stack.slash('cap alice@acme.test 10', { as: 'alice' });
    expect(text).toMatch(/^⛔ /);
    expect((await capOf('dev|alice')).capUsd).toBeNull();
  });
});
