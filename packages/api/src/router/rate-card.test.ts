import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, expectTrpcError, makeUser } from '../../test/helpers.ts';

const { db } = await useTestDatabase();

describe('usage.rateCard', () => {
  it('shows the card in force, in credits per unit and USD per credit', async () => {
    const user = await makeUser(db);
    const caller = await callerAs(db, { userId: user.id });
    expect(await caller.usage.rateCard({ date: '2026-02-10' })).toEqual({
      id: '2025-08',
      effectiveFrom: '2025-08-01',
      usdPerCredit: '0.25',
      creditsPerUnit: {
        cpuHour: '0.5',
        gpuHour: '10',
        ramGbHour: '0.05',
        onlineStorageGbMonth: '2',
        offlineStorageGbMonth: '0.12',
        networkEgressGb: '0.4',
      },
    });
    expect((await caller.usage.rateCard()).id).toBe('2025-08');
  });

  it('refuses days before any card and callers who are not signed in', async () => {
    const user = await makeUser(db);
    const caller = await callerAs(db, { userId: user.id });
    const message = await expectTrpcError(
      caller.usage.rateCard({ date: '2020-01-01' }),
      'BAD_REQUEST',
    );
    expect(message).toMatch(/No rate card is in force on 2020-01-01/);
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).usage.rateCard(),
      'UNAUTHORIZED',
    );
  });
});
