// whois never fails because of billing: a failed billing.status leaves the card, logged once.
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

function contextWith(status: () => Promise<unknown>) {
  const warn = vi.fn();
  const api = {
    admin: { users: { get: { query: async () => detail } } },
    billing: { status: { query: status } },
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
