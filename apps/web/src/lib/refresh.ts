// After an admin or team action that may change much (a user, lists, clusters, the audit log),
// every loaded query is refetched rather than guessing which ones it touched.
import { useQueryClient } from '@tanstack/react-query';

export function useRefreshAll(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries();
}
