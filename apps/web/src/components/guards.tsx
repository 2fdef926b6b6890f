// Pages a person may not use say so in words (the API refuses them as well).
import type { ReactNode } from 'react';
import { useMe } from '../lib/me-context.ts';
import { Refusal } from './states.tsx';

export function AdminOnly({ children }: { children: ReactNode }) {
  const me = useMe();
  if (!me.isAdmin) {
    return (
      <Refusal title="This page is for admins.">
        You are signed in as {me.email}, who is not an admin. Ask an admin if you need something
        done here.
      </Refusal>
    );
  }
  return <>{children}</>;
}

export function OwnerOnly({ what, children }: { what: string; children: ReactNode }) {
  const me = useMe();
  if (me.role !== 'owner') {
    const owner = me.owner ? (me.owner.name ?? me.owner.email) : 'your account owner';
    return (
      <Refusal title={`${what} is for the account owner.`}>
        {owner} manages {what.toLowerCase()} for your team.
      </Refusal>
    );
  }
  return <>{children}</>;
}
