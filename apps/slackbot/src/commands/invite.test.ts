// The reply to /hops invite follows what the API did: with mail on, the invitee is told by e-mail
// and the link is there for passing on by hand; with mail off, the link is the only way.
import { describe, expect, test } from 'vitest';
import { replyToText } from '../blocks/text.ts';
import type { CommandContext } from './command.ts';
import { invite } from './invite.ts';

const owner = { user: { id: 'dev|alice', email: 'alice@acme.test' } };
const created = {
  invite: {
    email: 'zoe@acme.test',
    projectRole: 'Data scientist',
    expiresAt: '2026-12-09T15:00:00.000Z',
  },
  inviteUrl: 'https://hops.test/invite/s3cr3t-t0ken-0123456789',
};

function contextWith(mailed: boolean) {
  const calls: unknown[] = [];
  const api = {
    admin: { users: { get: { query: async () => owner } } },
    invites: {
      create: {
        mutate: async (input: unknown) => {
          calls.push(input);
          return { ...created, mailed };
        },
      },
    },
  };
  return { ctx: { api } as unknown as CommandContext, calls };
}

const args = ['alice@acme.test', 'zoe@acme.test', 'Data scientist'];

describe('invite reply', () => {
  test('mail on: says an e-mail is on its way, and still shows the link', async () => {
    const { ctx, calls } = contextWith(true);
    const reply = await invite.run(ctx, args);
    expect(calls).toEqual([
      { email: 'zoe@acme.test', ownerId: 'dev|alice', projectRole: 'Data scientist' },
    ]);
    expect(replyToText(reply)).toBe(
      "Invited zoe@acme.test to alice@acme.test's account as Data scientist.\n" +
        'An e-mail with the invite is on its way to zoe@acme.test. If it does not arrive, send them this link: ' +
        'https://hops.test/invite/s3cr3t-t0ken-0123456789 (https://hops.test/invite/s3cr3t-t0ken-0123456789)\n' +
        'The link works once and expires 2026-12-09 15:00 UTC. Only you can see it.',
    );
    expect(reply.text).toContain('An e-mail with the invite is on its way to zoe@acme.test.');
  });

  test('mail off: the link to send, and no word of an e-mail', async () => {
    const { ctx } = contextWith(false);
    const reply = await invite.run(ctx, args);
    const text = replyToText(reply);
    expect(text).toContain('Send them this link: https://hops.test/invite/s3cr3t-t0ken-0123456789');
    expect(text).not.toMatch(/e-mail/i);
  });
});
