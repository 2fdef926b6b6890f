// The one client module for a cluster's Hopsworks admin API (SPEC §9): its users and projects,
// with `Authorization: ApiKey <the cluster's api_key>`, over requestJson (TLS checked against the
// cluster's CA certificate, never switched off). Answers are checked before they are used: a list
// without e-mails is an error naming the cluster and the call, not a user we fail to find.
import { emailKey } from '../schemas.ts';
import { IntegrationError, requestJson, type ClusterEndpoint } from './https.ts';

export interface HopsworksCluster {
  name: string;
  /** e.g. `https://hopsworks.eu-west-1.example.com` */
  apiUrl: string;
  apiKey: string;
  caCertificate: string | null;
  timeoutMs?: number;
}

export type HopsworksAccountType = 'OAUTH2' | 'REMOTE_ACCOUNT_TYPE' | string;

export interface HopsworksUser {
  id: number;
  email: string;
  username: string;
  accountType: HopsworksAccountType;
  /** Hopsworks' status code: 2 active, 3 deactivated (others exist). */
  status: number;
}

export interface HopsworksProject {
  name: string;
  creatorUsername: string | null;
}

export const HOPSWORKS_ACTIVE = 2;
export const HOPSWORKS_DEACTIVATED = 3;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function hopsworksClient(cluster: HopsworksCluster) {
  const endpoint: ClusterEndpoint = {
    system: 'Hopsworks',
    cluster: cluster.name,
    caCertificate: cluster.caCertificate,
    ...(cluster.timeoutMs ? { timeoutMs: cluster.timeoutMs } : {}),
  };
  const base = `${cluster.apiUrl.replace(/\/+$/, '')}/hopsworks-api/api/admin`;
  const headers = { authorization: `ApiKey ${cluster.apiKey}` };
  const bad = (call: string, what: string) =>
    new IntegrationError('Hopsworks', cluster.name, call, `answered ${what}.`, 200, false);

  function itemsOf(call: string, answer: unknown): unknown[] {
    if (isRecord(answer) && answer.items === undefined) return []; // an empty list has no items
    if (!isRecord(answer) || !Array.isArray(answer.items)) throw bad(call, 'no list of items');
    return answer.items;
  }

  return {
    /** Every user of the cluster. */
    async listUsers(): Promise<HopsworksUser[]> {
      const call = 'GET /admin/users';
      const items = itemsOf(
        call,
        await requestJson(endpoint, { call, url: `${base}/users`, headers }),
      );
      return items.map((item) => {
        if (!isRecord(item) || typeof item.email !== 'string' || item.email === '') {
          throw bad(call, 'a user without an e-mail');
        }
        if (typeof item.id !== 'number' || typeof item.username !== 'string') {
          throw bad(call, `a user (${item.email}) without an id or username`);
        }
        return {
          id: item.id,
          email: item.email,
          username: item.username,
          accountType: String(item.accountType ?? ''),
          status: typeof item.status === 'number' ? item.status : Number(item.status),
        };
      });
    },

    /** The hops user's account (OAuth, remote), matched by e-mail, case-insensitively; or null. */
    async findUser(email: string): Promise<HopsworksUser | null> {
      const wanted = emailKey(email);
      const users = await this.listUsers();
      return (
        users.find(
          (u) =>
            emailKey(u.email) === wanted &&
            (u.accountType === 'OAUTH2' || u.accountType === 'REMOTE_ACCOUNT_TYPE'),
        ) ?? null
      );
    },

    /** Creates the remote (OAuth) account of a hops user: query parameters, no body. */
    async createUser(input: {
      email: string;
      givenName: string;
      surname: string;
      maxNumProjects: number;
      /** The hops user id: the OIDC subject the cluster will see. */
      subject: string;
      clientId: string;
    }): Promise<{ username: string }> {
      const call = 'POST /admin/users';
      const query = new URLSearchParams({
        accountType: 'REMOTE_ACCOUNT_TYPE',
        email: input.email,
        givenName: input.givenName,
        surname: input.surname,
        maxNumProjects: String(input.maxNumProjects),
        subject: input.subject,
        clientId: input.clientId,
        type: 'OAUTH2',
      });
      const answer = await requestJson(endpoint, {
        call,
        method: 'POST',
        url: `${base}/users?${query}`,
        headers,
      });
      if (!isRecord(answer) || typeof answer.username !== 'string' || answer.username === '') {
        throw bad(call, 'no username for the new user');
      }
      return { username: answer.username };
    },

    /** Activates (2) or deactivates (3) a user; a person leaving a cluster is never deleted. */
    async setStatus(userId: number, status: 'active' | 'deactivated'): Promise<void> {
      const call = 'PUT /admin/users/:id';
      await requestJson(endpoint, {
        call,
        method: 'PUT',
        url: `${base}/users/${userId}`,
        headers,
        body: { status: status === 'active' ? HOPSWORKS_ACTIVE : HOPSWORKS_DEACTIVATED },
      });
    },

    /** Every project with its creator's username (the namespace → person mapping). */
    async listProjects(): Promise<HopsworksProject[]> {
      const call = 'GET /admin/projects';
      const items = itemsOf(
        call,
        await requestJson(endpoint, { call, url: `${base}/projects?expand=creator`, headers }),
      );
      return items.map((item) => {
        if (!isRecord(item) || typeof item.name !== 'string')
          throw bad(call, 'a project without a name');
        const creator = isRecord(item.creator) ? item.creator.username : undefined;
        return { name: item.name, creatorUsername: typeof creator === 'string' ? creator : null };
      });
    },
  };
}

export type HopsworksClient = ReturnType<typeof hopsworksClient>;

/** A project's Kubernetes namespace: its name lower-cased, `_` turned into `-`. */
export const namespaceOf = (projectName: string) => projectName.toLowerCase().replace(/_/g, '-');
