// Alert texts the bot makes of outbox events: here the collection gap (SPEC §9), next to the
// provisioning failure. The worker itself (poll, post, commit) is tested end to end in @hops/app-tests.
import type { OutboxEvent } from '@hops/api/events';
import { describe, expect, test } from 'vitest';
import { formatAlert } from './alerts.ts';
import { replyToText } from './blocks/text.ts';

const at = '2026-12-02T15:05:00.000Z';

describe('clusters.collection_gap', () => {
  const gap = (payload: Extract<OutboxEvent, { kind: 'clusters.collection_gap' }>['payload']) =>
    formatAlert({ id: 41, at, kind: 'clusters.collection_gap', payload });

  test('says how far behind, to which hour, the newest failure, and what happens next', () => {
    const reply = gap({
      clusterId: 'c-1',
      cluster: 'eu-west-1-prod',
      lastHour: '2026-12-02T10:00:00.000Z',
      hoursBehind: 4,
      error: 'eu-west-1-prod: OpenCost allocation call failed: HTTP 503',
    });
    expect(replyToText(reply)).toBe(
      'Usage collection of cluster eu-west-1-prod has a gap: it is 4 hours behind (collected to 2026-12-02 11:00 UTC). ' +
        'The newest failure: eu-west-1-prod: OpenCost allocation call failed: HTTP 503 ' +
        'Once OpenCost answers again the missing hours are collected and billed, up to 48 hours back; see the cluster page or /hops clusters.\n' +
        '2026-12-02 15:05 UTC · event 41',
    );
    expect(reply.text).toMatch(/^Usage collection of cluster eu-west-1-prod has a gap/);
  });

  test('a cluster never collected, without a failure; its name escaped', () => {
    const reply = gap({
      clusterId: 'c-2',
      cluster: 'lab <new>',
      lastHour: null,
      hoursBehind: null,
      error: null,
    });
    expect(JSON.stringify(reply.blocks)).toContain('*lab &lt;new&gt;*');
    const text = replyToText(reply);
    expect(text).toContain('has a gap: nothing has been collected from it yet. Once OpenCost');
    expect(text).not.toContain('newest failure');
  });
});

describe('clusters.provisioning_failed', () => {
  test('names the person, the cluster, the attempts and the job', () => {
    const reply = formatAlert({
      id: 42,
      at,
      kind: 'clusters.provisioning_failed',
      payload: {
        jobId: 'j-1',
        userId: 'dev|bob',
        email: 'bob@acme.test',
        clusterId: 'c-1',
        cluster: 'eu-west-1-prod',
        action: 'activate',
        attempts: 5,
        error: 'eu-west-1-prod: Hopsworks users call timed out.',
      },
    });
    expect(replyToText(reply)).toContain(
      'Could not activate bob@acme.test on cluster eu-west-1-prod after 5 attempts: eu-west-1-prod: Hopsworks users call timed out. Retry it from the cluster page',
    );
  });
});
