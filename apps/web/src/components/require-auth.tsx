// Loads the signed-in user once; sends anonymous visitors to /login and tells refused ones why.
import { Button, Center, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { MeContext } from '../lib/me-context.ts';
import { signOut } from '../lib/session.ts';
import { errorCode, useTRPC } from '../lib/trpc.ts';
import { ErrorState, Loading } from './states.tsx';

export function RequireAuth({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const location = useLocation();
  const me = useQuery(trpc.me.get.queryOptions());
  if (me.isPending) return <Loading label="Signing you in…" />;
  if (me.isError) {
    if (errorCode(me.error) === 'UNAUTHORIZED') {
      const returnTo = `${location.pathname}${location.search}`;
      return <Navigate to={`/login?returnTo=${encodeURIComponent(returnTo)}`} replace />;
    }
    return (
      <Center p="md" mih="60vh">
        <Stack maw={520} w="100%">
          <ErrorState
            error={me.error}
            title="You cannot use hops right now"
            onRetry={() => void me.refetch()}
          />
          <Button variant="default" onClick={() => void signOut()}>
            Sign out
          </Button>
        </Stack>
      </Center>
    );
  }
  return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;
}
