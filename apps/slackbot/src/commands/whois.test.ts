// whois never fails because of billing or the spending cap: a failed billing.status or
// account.spendingCap leaves the card, logged once; the cap line says what the cap is and does.
import { COSTS } from '@hops/api/resources';
import { describe, expect, test, vi } from 'vitest';
import type { Logger } from '../log.ts';
import type { CommandContext } from './command.ts';
import { whois } from './whois.ts';

const detail = {
  user: {
    id: 'dev|alice',
    email: 'alice@acme.test',
    name: 'Alice Owner',
    status: 'active',
    role: 'owner',
    isAdmin: false,
    billingMode: 'postpaid',
    stripeCustomerId: null,
    lastLoginAt: null,
    loginCount: 0,
  },
  account: { owner: { id: 'dev|alice', email: 'alice@acme.test' }, members: [] },
  cluster: null,
  credits: null,
  usage30d: {
    totalCost: '0.0000',
    byResource: Object.fromEntries(COSTS.map((c) => [c.resource, '0.0000'])),
  },
};

const noCap = {
  ownerId: 'dev|alice',
  capUsd: null,
  policy: 'notify',
  month: '2026-12-01',
  monthToDateUsd: '12.3400',
  percent: null,
  crossed: [],
  stopped: false,
};

function contextWith(
  status: () => Promise<unknown>,
  spendingCap: () => Promise<unknown> = async () => noCap,
) {
  const warn = vi.fn();
  const api = {
    admin: { users: { get: { query: async () => detail } } },
    billing: { status: { query: status } },
    account: { spendingCap: { query: spendingCap } },
  };
  const ctx = { api, log: { warn } as unknown as Logger } as unknown as CommandContext;
  return { ctx, warn };
}

const text = (reply: { blocks: unknown[] }) => JSON.stringify(reply.blocks);

describe('whois billing', () => {
  test("shows an owner's card line", async () => {
    const { ctx } = contextWith(async () => ({
      stripe: true,
      card: { brand: 'visa', last4: '4242', expMonth: 4, expYear: 2027 },
      subscriptionStatus: 'active',
      paymentFailed: null,
    }));
    expect(text(await whois.run(ctx, ['alice@acme.test']))).toContain(
      'Card: Visa •••• 4242 (04/2027) · subscription active',
    );
  });

  test('still answers when billing.status fails, and logs it once', async () => {
    const { ctx, warn } = contextWith(() => Promise.reject(new Error('down')));
    const reply = await whois.run(ctx, ['alice@acme.test']);
    expect(text(reply)).toContain('Alice Owner');
    expect(text(reply)).not.toContain('Card:');
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('whois spending cap', () => {
  const stripeOff = async () => ({ stripe: false });

  test('no cap: says so, with the month so far', async () => {
    const { ctx } = contextWith(stripeOff);
    expect(text(await whois.run(ctx, ['alice@acme.test']))).toContain(
      'no cap · $12.34 so far in 2026-12',
    );
  });

  test('a suspend cap: the cap, the month so far, its share, and whether it stopped the account', async () => {
    const capped = {
      ...noCap,
      capUsd: '50.00',
      policy: 'suspend',
      monthToDateUsd: '61.0000',
      percent: 122,
      crossed: [50, 80, 100],
      stopped: true,
    };
    const { ctx } = contextWith(stripeOff, async () => capped);
    const card = text(await whois.run(ctx, ['alice@acme.test']));
    expect(card).toContain('*Spending cap*');
    expect(card).toContain(
      '$50.00 a month (suspend) · $61.00 so far in 2026-12 (122 %) · :no_entry: suspended this month',
    );
    const running = {
      ...capped,
      monthToDateUsd: '10.0000',
      percent: 20,
      crossed: [],
      stopped: false,
    };
    const { ctx: later } = contextWith(stripeOff, async () => running);
    expect(text(await whois.run(later, ['alice@acme.test']))).toContain(
      '$50.00 a month (suspend) · $10.00 so far in 2026-12 (20 %) · not suspended this month',
    );
  });

  test('still answers when account.spendingCap fails, and logs it once', async () => {
    const { ctx, warn } = contextWith(stripeOff, () => Promise.reject(new Error('down')));
    const reply = await whois.run(ctx, ['alice@acme.test']);
    expect(text(reply)).toContain('Alice Owner');
    expect(text(reply)).not.toContain('Spending cap');
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
