// Provisioning jobs as the API keeps them, for the pages that show them: clusters.provisioning
// filtered and ordered as the API does (newest first; `latest`: each person's newest per
// cluster), and clusters.retryProvisioning with the API's refusals and effect.
import type { ProvisioningItem } from '../components/provisioning.tsx';
import { apiError, type Handlers } from './render.tsx';

export const EAST = {
  clusterId: '3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6',
  cluster: 'us-east-1-prod',
};
export const WEST = {
  clusterId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  cluster: 'us-west-2-staging',
};

/** A job, done unless told otherwise. */
export function job(id: number, fields: Partial<ProvisioningItem> = {}): ProvisioningItem {
  return {
    id: String(id),
    userId: 'dev|alice',
    email: 'alice@acme.test',
    ...EAST,
    action: 'activate',
    reason: 'assign',
    state: 'done',
    attempts: 1,
    lastError: null,
    hopsworksUsername: 'alice000',
    createdAt: `2026-12-01T0${id % 10}:00:00.000Z`,
    updatedAt: `2026-12-01T0${id % 10}:00:05.000Z`,
    finishedAt: `2026-12-01T0${id % 10}:00:05.000Z`,
    ...fields,
  };
}

export function provisioningApi(start: readonly ProvisioningItem[]) {
  const jobs = start.map((j) => ({ ...j }));
  const newestFirst = () => [...jobs].sort((a, b) => Number(b.id) - Number(a.id));
  const handlers: Handlers = {
    'clusters.provisioning': (raw) => {
      const input = raw as { userId?: string; clusterId?: string; view?: 'latest' | 'history' };
      const seen = new Set<string>();
      // Copies, as JSON off the wire would be.
      return structuredClone(newestFirst()).filter((j) => {
        if (input.userId !== undefined && j.userId !== input.userId) return false;
        if (input.clusterId !== undefined && j.clusterId !== input.clusterId) return false;
        const key = `${j.userId} ${j.clusterId}`;
        const newer = seen.has(key);
        seen.add(key);
        return input.view !== 'latest' || !newer;
      });
    },
    'clusters.retryProvisioning': (raw) => {
      const { jobId } = raw as { jobId: string };
      const found = jobs.find((j) => j.id === jobId);
      if (!found) throw apiError('NOT_FOUND', `There is no provisioning job ${jobId}.`);
      if (found.state !== 'failed') {
        throw apiError(
          'PRECONDITION_FAILED',
          `Provisioning job ${jobId} is ${found.state}, not failed: there is nothing to retry.`,
        );
      }
      const newer = jobs.find(
        (j) =>
          j.userId === found.userId &&
          j.clusterId === found.clusterId &&
          Number(j.id) > Number(found.id),
      );
      if (newer) {
        throw apiError(
          'PRECONDITION_FAILED',
          `Provisioning job ${jobId} was overtaken by a newer change of the same person on that cluster (job ${newer.id}); that one counts.`,
        );
      }
      // The last error stays until the next try says otherwise.
      Object.assign(found, { state: 'pending', attempts: 0, finishedAt: null });
      return { ...found };
    },
  };
  return { handlers, jobs };
}

/** A cell of a provisioning table as a person reads it; a state cell by its badge's word. */
export const cellText = (cell: Element) =>
  cell.querySelector('.mantine-Badge-label')?.textContent ?? cell.textContent!;
