// What the replies say, through the real receiver and the real API (issue 16): counts of one in the
// singular, argument refusals that name what is wrong, a `top` title that counts what it lists, and
// people who are no longer in an account marked in its usage breakdown.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lastDays, utcDay } from '@hops/api/days';
import { QUANTITY_FIELDS, type QuantityField } from '@hops/api/resources';
import { startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const today = () => utcDay(new Date());

/** The reply is the command's usage line, after a sentence matching `problem`. */
async function expectRefusal(line: string, problem: RegExp) {
  const { text } = await stack.slash(line);
  expect(text).toContain('Usage:\n/hops ');
  expect(text).toMatch(problem);
  return text;
}

/**
 * A small account of its own: olive owns it, oscar and opal are members, both with usage in the
 * last 30 days; then oscar is removed from it (through the API, as an admin).
 */
async function accountWithAFormerMember() {
  await stack.db
    .insertInto('users')
    .values([
      { id: 'test|olive', email: 'olive@left.test', name: 'Olive Owner', loginCount: 1 },
      { id: 'test|oscar', email: 'oscar@left.test', accountOwnerId: 'test|olive' },
      { id: 'test|opal', email: 'opal@left.test', accountOwnerId: 'test|olive' },
    ])
    .execute();
  const day = lastDays(3, today()).from;
  const zero = Object.fromEntries(QUANTITY_FIELDS.map((f) => [f, '0'])) as Record<
    QuantityField,
    string
  >;
  await stack.collector.usage.ingest.mutate({
    records: [
      { ...zero, userId: 'test|oscar', date: day, gpuHours: '2' },
      { ...zero, userId: 'test|opal', date: day, gpuHours: '1' },
    ],
  });
  await stack.admin.team.removeMember.mutate({ memberId: 'test|oscar' });
}

describe('usage of an account with a former member', () => {
  test('the former member is marked, the current one is not, and the total is all of it', async () => {
    await accountWithAFormerMember();
    const { text } = await stack.slash('usage olive@left.test');
    expect(text).toContain("Usage of olive@left.test's account, last 30 days");
    expect(text).toMatch(/^oscar@left\.test \(no longer a member\)\s+\$5\.00$/m);
    expect(text).toMatch(/^opal@left\.test\s+\$2\.50$/m);
    expect(text).toMatch(/Total\s+\$7\.50/);
    expect(text).toContain('2 users with usage');
    expect(text).toContain(
      '(no longer a member): removed from the account or left it; what they used while in it is billed to the account.',
    );
  });

  test('an account of current members only carries no mark', async () => {
    const { text } = await stack.slash('usage alice@acme.test');
    expect(text).not.toContain('no longer a member');
  });
});

describe('counts of one are singular', () => {
  test('one member, one sign-in, one credit, one transaction', async () => {
    // After the removal above olive has one member left.
    const whois = await stack.slash('whois olive@left.test');
    expect(whois.text).toContain('Role: Account owner (1 member)');
    expect(whois.text).toContain('1 sign-in');
    expect(whois.text).not.toMatch(/\b1 (members|sign-ins)\b/);

    await stack.admin.credits.grant.mutate({
      userId: 'test|olive',
      amount: '0.25',
      pool: 'free',
      reason: 'one credit',
    });
    const credits = await stack.slash('credits olive@left.test');
    expect(credits.text).toContain('Available: $0.25 (1 credit)');
    expect(credits.text).toContain('last 1 transaction');
    expect(credits.text).not.toMatch(/\b1 (credits|transactions)\b/);

    const prompt = await stack.slash('credits grant olive@left.test 0.25 "one more"');
    expect(prompt.text).toContain('Grant $0.25 (1 credit) of free credits to olive@left.test?');
    expect((await stack.slash('whois olive@left.test')).text).toContain(
      'Credits: $0.25 available (1 credit)',
    );
  });

  test('one day and one account', async () => {
    const ranking = await stack.admin.usage.top.query({ ...lastDays(1, today()), limit: 1 });
    const { text } = await stack.slash('top 1 1');
    expect(text).toContain(
      ranking.length === 1
        ? 'Top 1 account by cost, last 1 day'
        : 'Top accounts by cost, last 1 day',
    );
    expect(text).not.toMatch(/\b1 (accounts|days)\b/);
  });
});

describe('top: the title counts the accounts listed', () => {
  test('asked for more accounts than had usage, it lists them all and says so', async () => {
    const { from, to } = lastDays(30, today());
    const all = await stack.admin.usage.top.query({ from, to, limit: 100 });
    expect(all.length).toBeGreaterThan(1);
    const asked = all.length + 3;
    const { text } = await stack.slash(`top 30 ${asked}`);
    const lines = text.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(lines).toHaveLength(all.length);
    expect(text).toContain(`Top ${all.length} accounts by cost, last 30 days`);
    expect(text).not.toContain(`Top ${asked} `);
    expect(text).toContain(
      `only ${all.length} accounts had usage, so all are listed (of the ${asked} asked for)`,
    );
  });

  test('by default, the title and the list agree', async () => {
    const { text } = await stack.slash('top');
    const lines = text.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(text).toContain(`Top ${lines.length} accounts by cost, last 30 days`);
  });
});

describe('argument refusals say what is wrong', () => {
  test('negative, zero, decimals, too many and not digits', async () => {
    const minus = await expectRefusal(
      'usage alice@acme.test -5',
      /The number of days must be a positive whole number \(from 1 to 400\), not -5\./,
    );
    expect(minus).not.toMatch(/not a whole number/);
    await expectRefusal(
      'top 7 0',
      /The number of accounts must be a positive whole number \(from 1 to 50\), not 0\./,
    );
    await expectRefusal('top -7', /The number of days must be a positive whole number/);
    await expectRefusal('top 2.5', /The number of days must be a whole number without decimals/);
    await expectRefusal('top 9000', /The number of days must be at most 400, not 9000\./);
    await expectRefusal('top week', /The number of days must be a whole number written in digits/);
  });

  test('amounts: negative, too many decimals, a bare point, not a number', async () => {
    await expectRefusal(
      'credits grant grace@initech.test -5 bonus',
      /The amount must be positive, not -5: give a number of USD/,
    );
    await expectRefusal(
      'credits grant grace@initech.test 12.34567 bonus',
      /The amount can have at most 4 decimals, not 5 \(12\.34567\)\./,
    );
    await expectRefusal(
      'credits grant grace@initech.test .5 bonus',
      /\.5 is not an amount: write digits on both sides of the point/,
    );
    await expectRefusal(
      'credits grant grace@initech.test 1e3 bonus',
      /1e3 is not an amount: write a number of USD in digits/,
    );
    await expectRefusal(
      'credits grant grace@initech.test 12345678901 bonus',
      /The amount is too large/,
    );
  });
});
