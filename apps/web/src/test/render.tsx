// Renders a page the way the app does (Mantine, TanStack Query, tRPC, router, signed-in user),
// with the API answered by plain functions instead of a server.
import type { AppRouter } from '@hops/api';
import { render } from '@testing-library/react';
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { Providers } from '../app.tsx';
import { MeContext } from '../lib/me-context.ts';
import { createApiClient, createQueryClient, type Me } from '../lib/trpc.ts';

export type Handlers = Record<string, (input: unknown) => unknown>;

/** An API error as the server sends it: a sentence and a tRPC code. */
export function apiError(code: string, message: string): Error {
  return Object.assign(new Error(message), { trpcCode: code });
}

export function fakeLink(
  handlers: Handlers,
  calls: { path: string; input: unknown }[],
): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        calls.push({ path: op.path, input: op.input });
        const handler = handlers[op.path];
        Promise.resolve()
          .then(() => {
            if (!handler) throw apiError('NOT_FOUND', `No test handler for ${op.path}`);
            return handler(op.input);
          })
          .then(
            (data) => {
              observer.next({ result: { type: 'data', data } });
              observer.complete();
            },
            (error: Error & { trpcCode?: string }) => {
              const code = error.trpcCode ?? 'INTERNAL_SERVER_ERROR';
              observer.error(
                TRPCClientError.from({
                  error: { message: error.message, code: -32000, data: { code, httpStatus: 400 } },
                }),
              );
            },
          );
      });
}

export const owner: Me = {
  id: 'dev|alice',
  email: 'alice@acme.test',
  name: 'Alice Owner',
  role: 'owner',
  isAdmin: false,
  billingMode: 'postpaid',
  owner: null,
  cluster: {
    id: 'c1',
    name: 'us-east-1-prod',
    apiUrl: 'https://us-east-1.example',
    status: 'active',
  },
};

export const member: Me = {
  ...owner,
  id: 'dev|bob',
  email: 'bob@acme.test',
  name: 'Bob Builder',
  role: 'member',
  owner: { id: 'dev|alice', email: 'alice@acme.test', name: 'Alice Owner' },
};

export const admin: Me = {
  ...owner,
  id: 'dev|admin',
  email: 'admin@hops.test',
  name: 'Ada Admin',
  isAdmin: true,
  cluster: null,
};

export function renderPage(
  ui: ReactNode,
  options: { me?: Me | null; handlers?: Handlers; path?: string } = {},
) {
  const calls: { path: string; input: unknown }[] = [];
  const client = createApiClient([fakeLink(options.handlers ?? {}, calls)]);
  const me = options.me === undefined ? owner : options.me;
  const result = render(
    <Providers client={client} queryClient={createQueryClient()}>
      <MemoryRouter initialEntries={[options.path ?? '/']}>
        <MeContext.Provider value={me}>{ui}</MeContext.Provider>
      </MemoryRouter>
    </Providers>,
  );
  return { ...result, calls };
}
