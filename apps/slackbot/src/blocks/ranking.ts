// Accounts ranked by cost, as `top` and the daily digest show them: rank, owner, cost.
import { formatUsd } from '@hops/api/decimal';
import { table } from './kit.ts';

export interface RankedAccount {
  ownerEmail: string;
  totalCost: string;
}

export function rankingTable(accounts: RankedAccount[]) {
  return table(
    ['>#', 'account owner', '>cost'],
    accounts.map((a, i) => [String(i + 1), a.ownerEmail, formatUsd(a.totalCost)]),
  );
}
