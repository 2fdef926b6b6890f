// The OpenCost client against the fake OpenCost on loopback over HTTPS (self-signed, trusted only
// through the cluster's CA certificate): absolute hour windows, exact figures, and every kind of
// bad answer refused with the cluster and the call named.
import { startFakeOpenCost, type FakeOpenCost } from '@hops/fakes/opencost';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrationError } from './https.ts';
import { openCostClient, plainDecimal } from './opencost.ts';

let fake: FakeOpenCost;
beforeAll(async () => {
  fake = await startFakeOpenCost({ token: 'opencost-token' });
});
afterAll(() => fake.close());

const hour = new Date('2026-12-01T10:00:00Z');
const client = (over: Partial<Parameters<typeof openCostClient>[0]> = {}) =>
  openCostClient({
    name: 'eu-west-1-prod',
    url: fake.url,
    token: 'opencost-token',
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

/** One well-formed answer for `hour`, with `change` applied to the namespace's allocation. */
function answerWith(change: Record<string, unknown>): string {
  const window = { start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' };
  const allocation = {
    window,
    ...window,
    minutes: 60,
    cpuCoreHours: 1,
    gpuHours: 0,
    ramByteHours: 1,
    pvByteHours: 1,
    networkTransferBytes: 1,
    ...change,
  };
  return JSON.stringify({ code: 200, data: [{ 'fraud-detection': allocation }] });
}

describe('the OpenCost client', () => {
  it('asks for one absolute, hour-aligned window by namespace and reads it exactly', async () => {
    fake.setHour(hour, {
      'fraud-detection': { cpuCoreHours: 2.5, ramByteHours: 8 * 2 ** 30, pvByteHours: 1e-7 },
      'kube-system': { cpuCoreHours: 0.25, minutes: 30 },
    });
    const answer = await client().hour(hour);
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/allocation/compute',
      authorization: 'Bearer opencost-token',
      query: {
        window: '2026-12-01T10:00:00Z,2026-12-01T11:00:00Z',
        aggregate: 'namespace',
        step: '1h',
        accumulate: 'false',
        includeIdle: 'false',
      },
    });
    expect(Object.fromEntries(answer)).toEqual({
      'fraud-detection': {
        minutes: '60',
        cpuCoreHours: '2.5',
        gpuHours: '0',
        ramByteHours: '8589934592',
        pvByteHours: '0.0000001',
        networkTransferBytes: '0',
      },
      'kube-system': {
        minutes: '30',
        cpuCoreHours: '0.25',
        gpuHours: '0',
        ramByteHours: '0',
        pvByteHours: '0',
        networkTransferBytes: '0',
      },
    });
    expect((await client().hour(new Date('2026-12-01T03:00:00Z'))).size).toBe(0);
  });

  it('refuses an hour that does not start on the hour', async () => {
    await expect(client().hour(new Date('2026-12-01T10:30:00Z'))).rejects.toThrow(
      'An OpenCost hour starts on the hour, not at 2026-12-01T10:30:00.000Z.',
    );
  });

  it('refuses every kind of bad answer, naming the cluster, the call and what was wrong', async () => {
    const call =
      'OpenCost on eu-west-1-prod: GET /allocation/compute 2026-12-01T10:00:00Z answered';
    const cases: [string, string][] = [
      [JSON.stringify({ code: 500, message: 'boom' }), 'code 500 instead of 200'],
      ['{"code": 200, "data": [', 'something that is not JSON'],
      [answerWith({ cpuCoreHours: null }), 'cpuCoreHours = null for fraud-detection, not a number'],
      [answerWith({ gpuHours: 'NaN' }), 'gpuHours = "NaN" for fraud-detection, not a number'],
      [answerWith({ ramByteHours: -1 }), 'ramByteHours = -1 for fraud-detection, outside 0 to'],
      [answerWith({ minutes: 61 }), 'minutes = 61 for fraud-detection, outside 0 to 60'],
      [answerWith({ cpuCoreHours: 1e9 }), 'cpuCoreHours = 1000000000 for fraud-detection, outside'],
      [
        answerWith({ window: { start: '2026-12-01T10:05:00Z', end: '2026-12-01T11:05:00Z' } }),
        'the window 2026-12-01T10:05:00Z – 2026-12-01T11:05:00Z for fraud-detection instead of',
      ],
      [JSON.stringify({ code: 200 }), 'no data'],
    ];
    for (const [body, what] of cases) {
      fake.answerNext(200, body);
      const error = await refusal(client().hour(hour));
      if (what === 'something that is not JSON') {
        expect(error.message).toBe(
          'OpenCost on eu-west-1-prod: GET /allocation/compute 2026-12-01T10:00:00Z answered something that is not JSON.',
        );
      } else {
        expect(error.message).toContain(`${call} ${what}`);
      }
      expect(error.retryable).toBe(true);
    }
  });

  it('fails TLS without the cluster certificate, and refuses a missing token', async () => {
    const tls = await refusal(client({ caCertificate: null }).hour(hour));
    expect(tls.message).toContain('could not be trusted');
    const token = await refusal(client({ token: null }).hour(hour));
    expect(token).toMatchObject({ status: 401, retryable: false });
  });

  it('writes numbers as plain decimals', () => {
    expect(plainDecimal(1e-7)).toBe('0.0000001');
    expect(plainDecimal(1.5e-10)).toBe('0.00000000015');
    expect(plainDecimal(2.5e21)).toBe('2500000000000000000000');
    expect(plainDecimal(123.456)).toBe('123.456');
  });
});
