// The Hopsworks admin client against the fake Hopsworks on loopback over HTTPS with a self-signed
// certificate: trusted only through the cluster's CA certificate (without it, TLS fails; nothing
// falls back to trusting everything), the calls of SPEC §9 exactly, and errors that name the
// cluster and the call.
import { startFakeHopsworks, type FakeHopsworks } from '@hops/fakes/hopsworks';
import { selfSignedCertificate } from '@hops/fakes/tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopsworksClient, namespaceOf } from './hopsworks.ts';
import { IntegrationError } from './https.ts';

let fake: FakeHopsworks;
beforeAll(async () => {
  fake = await startFakeHopsworks();
});
afterAll(() => fake.close());

const cluster = (over: Partial<Parameters<typeof hopsworksClient>[0]> = {}) =>
  hopsworksClient({
    name: 'eu-west-1-prod',
    apiUrl: fake.url,
    apiKey: fake.apiKey,
    caCertificate: fake.caCertificate,
    ...over,
  });

async function refusal(promise: Promise<unknown>): Promise<IntegrationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

describe('the Hopsworks admin client', () => {
  it('creates a remote OAuth user with query parameters, finds it by e-mail, deactivates it', async () => {
    const hopsworks = cluster();
    const created = await hopsworks.createUser({
      email: 'Ada@Acme.test',
      givenName: 'Ada',
      surname: 'Lovelace',
      maxNumProjects: 5,
      subject: 'dev|ada',
      clientId: 'hops-client',
    });
    const post = fake.requests.at(-1)!;
    expect(post).toMatchObject({
      method: 'POST',
      path: '/hopsworks-api/api/admin/users',
      body: null,
      authorization: `ApiKey ${fake.apiKey}`,
      query: {
        accountType: 'REMOTE_ACCOUNT_TYPE',
        email: 'Ada@Acme.test',
        givenName: 'Ada',
        surname: 'Lovelace',
        maxNumProjects: '5',
        subject: 'dev|ada',
        clientId: 'hops-client',
        type: 'OAUTH2',
      },
    });
    const found = await hopsworks.findUser('ada@acme.test');
    expect(found).toMatchObject({ username: created.username, status: 2 });

    await hopsworks.setStatus(found!.id, 'deactivated');
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/hopsworks-api/api/admin/users/${found!.id}`,
      body: { status: 3 },
    });
    expect((await hopsworks.findUser('ADA@acme.test'))!.status).toBe(3);
    await hopsworks.setStatus(found!.id, 'active');
    expect((await hopsworks.findUser('ada@acme.test'))!.status).toBe(2);
  });

  it('finds only OAuth or remote accounts, and nobody who is not there', async () => {
    fake.users.push({
      id: 1,
      email: 'local@acme.test',
      username: 'local',
      accountType: 'M',
      status: 2,
    });
    expect(await cluster().findUser('local@acme.test')).toBeNull();
    expect(await cluster().findUser('nobody@acme.test')).toBeNull();
  });

  it('maps projects to namespaces and their creators', async () => {
    fake.projects.push({ name: 'Fraud_Detection', creator: { username: 'ada001' } });
    expect(await cluster().listProjects()).toContainEqual({
      name: 'Fraud_Detection',
      creatorUsername: 'ada001',
    });
    expect(namespaceOf('Fraud_Detection')).toBe('fraud-detection');
  });

  it('fails TLS without the cluster certificate, and with another one, instead of trusting anything', async () => {
    for (const caCertificate of [null, selfSignedCertificate().cert]) {
      const error = await refusal(cluster({ caCertificate }).listUsers());
      expect(error.message).toMatch(
        /^Hopsworks on eu-west-1-prod: GET \/admin\/users could not be trusted \(.+\); set the cluster's CA certificate\.$/,
      );
      expect(error.retryable).toBe(false);
    }
  });

  it('names the cluster and the call when Hopsworks is down, slow, refuses the key or answers nonsense', async () => {
    fake.failNext({ status: 503 });
    const down = await refusal(cluster().listUsers());
    expect(down).toMatchObject({ status: 503, retryable: true, cluster: 'eu-west-1-prod' });
    expect(down.message).toContain(
      'Hopsworks on eu-west-1-prod: GET /admin/users was refused (HTTP 503)',
    );

    fake.delayNext(500);
    const slow = await refusal(cluster({ timeoutMs: 100 }).listUsers());
    expect(slow).toMatchObject({ status: null, retryable: true });
    expect(slow.message).toContain('got no answer: no answer within 100 ms');
    // The fake answers the abandoned request later; let it, before injecting more.
    while (fake.requests.some((r) => r.status === 0)) await new Promise((r) => setTimeout(r, 20));

    const key = await refusal(cluster({ apiKey: 'wrong' }).listUsers());
    expect(key).toMatchObject({ status: 401, retryable: false });

    fake.failNext({ status: 200, body: '{"items": [' });
    expect((await refusal(cluster().listUsers())).message).toContain(
      'answered something that is not JSON',
    );

    fake.failNext({ status: 200, body: JSON.stringify({ items: [{ id: 7, username: 'x' }] }) });
    expect((await refusal(cluster().listUsers())).message).toBe(
      'Hopsworks on eu-west-1-prod: GET /admin/users answered a user without an e-mail.',
    );
  });
});
