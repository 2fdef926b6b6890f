// Requests as Slack sends them: signed bodies of slash commands and button clicks. Free of test-runner imports, so
// the benchmark can use it too.
import { createHmac, randomUUID } from 'node:crypto';

/** Signs a body the way Slack does: v0 = HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers Slack sends with a body it signed at `timestamp` (seconds; default now). */
export function signedHeaders(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
  };
}

export function slashCommandBody(fields: {
  text: string;
  userId: string;
  responseUrl: string;
  triggerId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0HOPS',
    team_domain: 'hops',
    channel_id: 'C0ADMINS',
    channel_name: 'admins',
    user_id: fields.userId,
    user_name: fields.userId.toLowerCase(),
    command: '/hops',
    text: fields.text,
    api_app_id: 'A0HOPS',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? `trigger.${randomUUID()}`,
  }).toString();
}

/** A click on a button of an ephemeral reply, as Slack posts it: a form field `payload` of JSON. */
export function blockActionBody(fields: {
  userId: string;
  actionId: string;
  value: string;
  responseUrl: string;
  triggerId?: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId, username: fields.userId.toLowerCase(), team_id: 'T0HOPS' },
    api_app_id: 'A0HOPS',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1.2', channel_id: 'C0ADMINS', is_ephemeral: true },
    trigger_id: fields.triggerId ?? `trigger.${randomUUID()}`,
    team: { id: 'T0HOPS', domain: 'hops' },
    channel: { id: 'C0ADMINS', name: 'admins' },
    response_url: fields.responseUrl,
    actions: [
      {
        action_id: fields.actionId,
        block_id: 'hops_block',
        text: { type: 'plain_text', text: 'button' },
        value: fields.value,
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
