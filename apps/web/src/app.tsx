// Providers and routes. Every page is its own chunk, so the first load carries only the frame.
import { createTheme, localStorageColorSchemeManager, MantineProvider } from '@mantine/core';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes, useLocation } from 'react-router';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { AdminOnly, OwnerOnly } from './components/guards.tsx';
import { Layout } from './components/layout.tsx';
import { RequireAuth } from './components/require-auth.tsx';
import { Loading } from './components/states.tsx';
import { OverviewPage } from './lib/first-load.ts';
import { usePreloaded } from './lib/preloadable.ts';
import { TRPCProvider, type ApiClient } from './lib/trpc.ts';

// The toasts' container is not needed for the first paint; its store (lib/notify.ts) keeps what is
// shown before it mounts.
const Notifications = lazy(() =>
  import('@mantine/notifications').then((m) => ({ default: m.Notifications })),
);
const LoginPage = lazy(() => import('./routes/login.tsx'));
const InvitePage = lazy(() => import('./routes/invite.tsx'));
const UsagePage = lazy(() => import('./routes/usage.tsx'));
const TeamPage = lazy(() => import('./routes/team.tsx'));
const BillingPage = lazy(() => import('./routes/billing.tsx'));
const SettingsPage = lazy(() => import('./routes/settings.tsx'));
const NotFoundPage = lazy(() => import('./routes/not-found.tsx'));
const AdminUsersPage = lazy(() => import('./routes/admin/users.tsx'));
const AdminUserPage = lazy(() => import('./routes/admin/user-detail.tsx'));
const AdminClustersPage = lazy(() => import('./routes/admin/clusters.tsx'));
const AdminClusterPage = lazy(() => import('./routes/admin/cluster-detail.tsx'));
const AdminUsagePage = lazy(() => import('./routes/admin/usage.tsx'));
const AdminAuditPage = lazy(() => import('./routes/admin/audit.tsx'));

const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
});

/**
 * Light or dark: the system's setting until the person picks one with the header's toggle, which
 * is then remembered in this browser (Mantine writes the choice to localStorage).
 */
export const COLOR_SCHEME_KEY = 'hops-color-scheme';
const colorSchemeManager = localStorageColorSchemeManager({ key: COLOR_SCHEME_KEY });

export function Providers({
  client,
  queryClient,
  children,
}: {
  client: ApiClient;
  queryClient: QueryClient;
  children: ReactNode;
}) {
  return (
    <MantineProvider
      theme={theme}
      defaultColorScheme="auto"
      colorSchemeManager={colorSchemeManager}
    >
      <Suspense fallback={null}>
        <Notifications position="top-right" />
      </Suspense>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={client} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}

const admin = (page: ReactNode) => <AdminOnly>{page}</AdminOnly>;

/**
 * The Overview without Suspense: its chunk is started with the first requests (first-load.ts);
 * should the session check answer before the chunk is in, a suspended page would be revealed only
 * on React's Suspense throttle (~300 ms later; seen in bench:web's first load as an idle gap).
 */
function Overview() {
  const Page = usePreloaded(OverviewPage);
  return Page ? <Page /> : <Loading />;
}

function AppRoutes() {
  const { pathname } = useLocation();
  return (
    <ErrorBoundary resetKey={pathname}>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/invite/:token" element={<InvitePage />} />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<Overview />} />
            <Route path="usage" element={<UsagePage />} />
            <Route path="team" element={<TeamPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route
              path="billing"
              element={
                <OwnerOnly what="Billing">
                  <BillingPage />
                </OwnerOnly>
              }
            />
            <Route path="admin">
              <Route path="users" element={admin(<AdminUsersPage />)} />
              <Route path="users/:id" element={admin(<AdminUserPage />)} />
              <Route path="clusters" element={admin(<AdminClustersPage />)} />
              <Route path="clusters/:id" element={admin(<AdminClusterPage />)} />
              <Route path="usage" element={admin(<AdminUsagePage />)} />
              <Route path="audit" element={admin(<AdminAuditPage />)} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </Suspense>
    </ErrorBoundary>
  );
}

export function App({ client, queryClient }: { client: ApiClient; queryClient: QueryClient }) {
  return (
    <Providers client={client} queryClient={queryClient}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </Providers>
  );
}
