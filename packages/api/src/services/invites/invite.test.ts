import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashInviteSecret, inviteUrl, newInviteSecret } from './invite.ts';

describe('invite secrets', () => {
  it('are 256-bit, URL-safe, stored only as their SHA-256 hex', () => {
    const secret = newInviteSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(newInviteSecret()).not.toBe(secret);
    expect(hashInviteSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(inviteUrl('https://hops.example/', secret)).toBe(
      `https://hops.example/invite/${secret}`,
    );
  });
});
