// Every command through the real receiver and the real API: happy paths (checked against what the
// API itself says) and wrong arguments (answered with the command's usage line).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lastDays, utcDay } from '@hops/api/days';
import { formatUsd, sumDecimals } from '@hops/api/decimal';
import { makeUser } from '@hops/api/testing';
import { REVOKE_ACTION } from '@hops/slackbot';
import { buttonValue, startStack, type Stack } from '../src/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const today = () => utcDay(new Date());

/** The reply is the command's usage line (and says what was wrong). */
async function expectUsage(line: string, usage: string, problem?: RegExp) {
  const { text, reply } = await stack.slash(line);
  expect(text).toContain(`Usage:\n${usage}`);
  if (problem) expect(text).toMatch(problem);
  expect(reply.response_type).toBe('ephemeral');
}

describe('help', () => {
  test('lists every command with its usage and an example', async () => {
    const { text } = await stack.slash('help');
    for (const usage of [
      '/hops whois <email>',
      '/hops usage <email> [days]',
      '/hops top [days] [n]',
      '/hops clusters',
      '/hops assign <email> <cluster name | auto>',
      '/hops unassign <email>',
      '/hops invite <owner email> <invitee email>',
      '/hops invites <owner email>',
      '/hops credits <email>',
      '/hops credits grant <email> <amount in USD>',
      '/hops suspend <email> <reason…>',
      '/hops reactivate <email>',
    ]) {
      expect(text).toContain(usage);
    }
    expect(text).toContain('e.g. /hops whois alice@acme.test');
  });

  test('an empty /hops is help; an unknown command names the commands', async () => {
    expect((await stack.slash('')).text).toContain('hops admin commands');
    const { text } = await stack.slash('frobnicate now');
    expect(text).toContain('I do not know the command "frobnicate"');
    expect(text).toContain('whois, usage, top');
  });
});

describe('whois', () => {
  test("an owner's card: role, account, cluster, billing, credits, 30-day cost", async () => {
    const detail = await stack.admin.admin.users.get.query({ email: 'alice@acme.test' });
    const { text } = await stack.slash('whois Alice@Acme.test');
    expect(text).toContain('Alice Owner');
    expect(text).toContain('Role: Account owner (4 members)');
    expect(text).toContain('Status: active');
    expect(text).toContain('Cluster: us-east-1-prod (active)');
    expect(text).toContain('Billing: postpaid (payment method on file)');
    expect(text).toContain('Credits: none');
    expect(text).toContain(`Cost, last 30 days (account): ${formatUsd(detail.usage30d.totalCost)}`);
  });

  test("a member's and a prepaid owner's card", async () => {
    expect((await stack.slash('whois bob@acme.test')).text).toContain(
      "Role: Member of alice@acme.test's account",
    );
    const grace = await stack.admin.credits.balance.query({ userId: 'dev|grace' });
    const { text } = await stack.slash('whois grace@initech.test');
    expect(text).toContain('Billing: prepaid');
    expect(text).toContain(`Credits: ${formatUsd(grace.available)} available`);
  });

  test('an Slack auto-linked e-mail is read as the address', async () => {
    const { text } = await stack.slash('whois <mailto:alice@acme.test|alice@acme.test>');
    expect(text).toContain('Alice Owner');
  });

  test('an unknown e-mail shows the API sentence', async () => {
    const { text } = await stack.slash('whois nobody@nowhere.test');
    expect(text).toMatch(/⚠ .*nobody@nowhere\.test/);
  });

  test('wrong arguments answer with the usage line', async () => {
    await expectUsage('whois', '/hops whois <email>', /Give an e-mail address/);
    await expectUsage('whois alice', '/hops whois <email>', /alice is not an e-mail address/);
    await expectUsage('whois alice@acme.test bob@acme.test', '/hops whois <email>', /Unexpected/);
  });
});

describe('usage', () => {
  test("an owner: the account's usage by resource over N days, with each user's cost", async () => {
    const { from, to } = lastDays(7, today());
    const summary = await stack.admin.usage.summary.query({
      from,
      to,
      accountOwnerId: 'dev|alice',
    });
    const { text } = await stack.slash('usage alice@acme.test 7');
    expect(text).toContain("Usage of alice@acme.test's account, last 7 days");
    expect(text).toMatch(
      new RegExp(`Total\\s+${formatUsd(summary.totals.totalCost).replace('$', '\\$')}`),
    );
    expect(text).toMatch(
      new RegExp(`CPU\\s+[\\d,.]+\\s+hours\\s+\\${formatUsd(summary.totals.cpuCost)}`),
    );
    expect(text).toContain(`${from} to ${to}`);
    for (const member of summary.byMember.filter((m) => m.totalCost !== '0.0000')) {
      expect(text).toMatch(new RegExp(`${member.email}\\s+\\${formatUsd(member.totalCost)}`));
    }
  });

  test('a member: their own usage, 30 days by default', async () => {
    const { from, to } = lastDays(30, today());
    const days = await stack.admin.usage.daily.query({ from, to, userId: 'dev|bob' });
    const { text } = await stack.slash('usage bob@acme.test');
    expect(text).toContain('Usage of bob@acme.test, last 30 days');
    expect(text).toMatch(
      new RegExp(`Total\\s+\\${formatUsd(sumDecimals(days.map((day) => day.totalCost)))}`),
    );
  });

  test('wrong arguments answer with the usage line', async () => {
    const usage = '/hops usage <email> [days]';
    await expectUsage('usage', usage);
    await expectUsage('usage alice@acme.test 401', usage, /must be at most 400, not 401\./);
    await expectUsage('usage alice@acme.test 1.5', usage, /whole number without decimals/);
    await expectUsage('usage alice@acme.test week', usage, /whole number written in digits/);
  });
});

describe('top', () => {
  test('the N costliest accounts over the last days, as the API ranks them', async () => {
    const { from, to } = lastDays(7, today());
    const ranking = await stack.admin.usage.top.query({ from, to, limit: 3 });
    const { text } = await stack.slash('top 7 3');
    expect(text).toContain('Top 3 accounts by cost, last 7 days');
    const lines = text.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(lines).toHaveLength(3);
    ranking.forEach((r, i) => {
      expect(lines[i]).toMatch(
        new RegExp(`^${i + 1}\\s+${r.ownerEmail}\\s+\\${formatUsd(r.totalCost)}$`),
      );
    });
  });

  test('wrong arguments answer with the usage line', async () => {
    await expectUsage('top seven', '/hops top [days] [n]', /whole number written in digits/);
    await expectUsage('top 7 51', '/hops top [days] [n]', /accounts must be at most 50, not 51/);
    await expectUsage('top 7 3 more', '/hops top [days] [n]', /Unexpected/);
  });
});

describe('clusters', () => {
  test('every cluster with users / capacity and status', async () => {
    const clusters = await stack.admin.clusters.list.query();
    const { text } = await stack.slash('clusters');
    for (const c of clusters) {
      expect(text).toMatch(
        new RegExp(`${c.name}\\s+${c.currentUsers}/${c.maxUsers}\\s.*${c.status}`),
      );
    }
    await expectUsage('clusters all', '/hops clusters');
  });

  test('says where each cluster’s usage comes from: OpenCost, through its own CA or not', async () => {
    const [first] = await stack.admin.clusters.list.query();
    await stack.admin.clusters.update.mutate({
      id: first!.id,
      openCostUrl: 'https://opencost.first.test',
    });
    try {
      const { text } = await stack.slash('clusters');
      expect(text).toMatch(new RegExp(`${first!.name}\\s.*OpenCost(?!, own CA)`));
      const others = (await stack.admin.clusters.list.query()).filter((c) => c.id !== first!.id);
      for (const c of others) expect(text).toMatch(new RegExp(`${c.name}\\s.*—`));
    } finally {
      await stack.admin.clusters.update.mutate({ id: first!.id, openCostUrl: null });
    }
  });
});

describe('invite and invites', () => {
  test("invite creates an invite for the owner's account and replies with the link", async () => {
    const { text } = await stack.slash('invite alice@acme.test zoe@acme.test "Data owner"');
    expect(text).toContain("Invited zoe@acme.test to alice@acme.test's account as Data owner.");
    expect(text).toMatch(
      /Send them this link: \S+\/invite\/[\w-]{20,} \(http:\/\/127\.0\.0\.1\/invite\//,
    );
    const open = await stack.admin.invites.list.query({ ownerId: 'dev|alice' });
    expect(open).toContainEqual(
      expect.objectContaining({
        email: 'zoe@acme.test',
        projectRole: 'Data owner',
        status: 'open',
      }),
    );
  });

  test('the role may be left out or typed short', async () => {
    await stack.slash('invite frank@globex.test yuri@globex.test');
    await stack.slash('invite frank@globex.test xena@globex.test observer');
    const open = await stack.admin.invites.list.query({ ownerId: 'dev|frank' });
    expect(open.find((i) => i.email === 'yuri@globex.test')?.projectRole).toBe('Data scientist');
    expect(open.find((i) => i.email === 'xena@globex.test')?.projectRole).toBe('Observer');
  });

  test('refusals: a bad role, a member as owner, an existing member as invitee', async () => {
    const usage =
      '/hops invite <owner email> <invitee email> [Data owner | Data scientist | Observer]';
    await expectUsage('invite alice@acme.test', usage, /invitee's e-mail/);
    await expectUsage('invite alice@acme.test wes@acme.test boss', usage, /boss is not a role/);
    const member = await stack.slash('invite bob@acme.test wes@acme.test');
    expect(member.text).toMatch(/^⚠ /);
    const taken = await stack.slash('invite alice@acme.test gina@globex.test');
    expect(taken.text).toMatch(/^⚠ /);
    const open = await stack.admin.invites.list.query({ ownerId: 'dev|alice' });
    expect(open.map((i) => i.email)).not.toContain('gina@globex.test');
  });

  test('invites lists the open invites, each with a Revoke button', async () => {
    const open = await stack.admin.invites.list.query({ ownerId: 'dev|alice' });
    const { text, reply } = await stack.slash('invites alice@acme.test');
    expect(text).toContain('Open invites of alice@acme.test');
    open.forEach((invite, i) => {
      expect(text).toContain(invite.email);
      expect(JSON.parse(buttonValue(reply, REVOKE_ACTION, i))).toMatchObject({
        op: 'revoke',
        inviteId: invite.id,
      });
    });
    expect(text.match(/\[Revoke\]/g)).toHaveLength(open.length);
    expect((await stack.slash('invites judy@hooli.test')).text).toBe(
      'judy@hooli.test has no open invites.',
    );
    await expectUsage('invites', '/hops invites <owner email>');
  });
});

describe('credits', () => {
  test("balance and last transactions of the account's owner", async () => {
    const balance = await stack.admin.credits.balance.query({ userId: 'dev|grace' });
    const { text } = await stack.slash('credits grace@initech.test');
    expect(text).toContain('Credits of grace@initech.test');
    expect(text).toContain(`Available: ${formatUsd(balance.available)}`);
    expect(text).toContain(`Paid: ${formatUsd(balance.paid)}`);
    expect(text).toContain(`Free: ${formatUsd(balance.free)}`);
    expect(text).toContain('last 10 transactions');
    const member = await stack.slash('credits bob@acme.test');
    expect(member.text).toContain('Credits of alice@acme.test (owner of bob@acme.test)');
  });

  test('wrong arguments answer with the usage line; amounts are never floats', async () => {
    const usage =
      '/hops credits <email>\n/hops credits grant <email> <amount in USD> [free | paid] <reason…>';
    await expectUsage('credits', usage);
    await expectUsage('credits grant grace@initech.test', usage, /Give an amount/);
    for (const amount of ['1e3', 'abc', '0x10', 'NaN', 'Infinity']) {
      await expectUsage(
        `credits grant grace@initech.test ${amount} bonus`,
        usage,
        /is not an amount/,
      );
    }
    await expectUsage('credits grant grace@initech.test 0.00 bonus', usage, /greater than zero/);
    await expectUsage('credits grant grace@initech.test 10', usage, /Give a reason/);
    await expectUsage('credits grant grace@initech.test 10 "unclosed', usage, /quote/);
  });
});

describe('prompts of the mutating commands', () => {
  test('assign names the cluster and how many users move; an unknown cluster lists the clusters', async () => {
    const { text } = await stack.slash('assign alice@acme.test EU-WEST-1-PROD');
    expect(text).toContain(
      'Assign the account of alice@acme.test from us-east-1-prod to eu-west-1-prod?',
    );
    expect(text).toContain('5 users move together');
    expect(text).toContain('[Confirm] [Cancel]');
    await expectUsage(
      'assign alice@acme.test mars-1',
      '/hops assign <email> <cluster name | auto>',
      /no cluster named mars-1\. Clusters: .*eu-west-1-prod/,
    );
    await expectUsage('assign alice@acme.test', '/hops assign <email> <cluster name | auto>');
  });

  test('assign checks first: an unknown e-mail, a member, a suspended account or a cluster without room get a sentence and no Confirm', async () => {
    const suspended = await makeUser(stack.db, {
      email: 'sam.suspended@assign.test',
      status: 'suspended',
    });
    const noConfirm: [string, string][] = [
      [
        'assign nobody@nowhere.test eu-west-1-prod',
        '⚠ No user has the e-mail nobody@nowhere.test.',
      ],
      [
        'assign bob@acme.test eu-west-1-prod',
        '⚠ bob@acme.test is a member of another account and moves with it; assign the account owner instead.',
      ],
      [
        `assign ${suspended.email} eu-west-1-prod`,
        '⚠ The account of sam.suspended@assign.test is suspended. Reactivate it before assigning it to a cluster.',
      ],
      [
        // Already there: said so, with nothing to confirm.
        'assign alice@acme.test us-east-1-prod',
        '✔ The account of alice@acme.test is already on us-east-1-prod',
      ],
    ];
    for (const [line, sentence] of noConfirm) {
      const { text, reply } = await stack.slash(line);
      expect(text).toContain(sentence);
      expect(text).not.toContain('[Confirm]');
      expect(reply.response_type).toBe('ephemeral');
    }
    const detail = await stack.admin.admin.users.get.query({ email: suspended.email });
    expect(detail.cluster).toBeNull();
  });

  test('assign warns in the prompt before moving an account onto a cluster in maintenance', async () => {
    const { text } = await stack.slash('assign frank@globex.test us-west-2-staging');
    expect(text).toContain(
      'Assign the account of frank@globex.test from eu-west-1-prod to us-west-2-staging?',
    );
    expect(text).toContain(
      "⚠ us-west-2-staging is in maintenance: the account's people may not be able to work there until it is active again.",
    );
    expect(text).toContain('[Confirm] [Cancel]');
    // Without maintenance, no warning.
    expect((await stack.slash('assign frank@globex.test us-east-1-prod')).text).not.toContain(
      'maintenance',
    );
  });

  test('suspend needs a reason; reactivate and unassign take one e-mail', async () => {
    await expectUsage('suspend bob@acme.test', '/hops suspend <email> <reason…>', /Give a reason/);
    await expectUsage('reactivate', '/hops reactivate <email>');
    await expectUsage('unassign a@b.test c@d.test', '/hops unassign <email>', /Unexpected/);
    const { text } = await stack.slash('suspend bob@acme.test card declined “three times”');
    expect(text).toContain('Suspend bob@acme.test?');
    expect(text).toContain('reason: card declined three times');
  });

  test('a prompt changes nothing by itself', async () => {
    await stack.slash('suspend hank@globex.test testing prompts');
    const detail = await stack.admin.admin.users.get.query({ email: 'hank@globex.test' });
    expect(detail.user.status).toBe('active');
  });
});
