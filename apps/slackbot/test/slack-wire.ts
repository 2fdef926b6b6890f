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

/** The workspace the test requests come from (the bot's SLACK_TEAM_ID in the tests). */
export const TEST_TEAM_ID = 'T0HOPS';

export function slashCommandBody(fields: {
  text: string;
  userId: string;
  responseUrl: string;
  triggerId?: string;
  /** The workspace it comes from; default the test workspace, T0HOPS. */
  teamId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.teamId ?? TEST_TEAM_ID,
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
  /** The workspace it comes from; default the test workspace, T0HOPS. */
  teamId?: string;
}): string {
  const team = fields.teamId ?? TEST_TEAM_ID;
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId, username: fields.userId.toLowerCase(), team_id: team },
    api_app_id: 'A0HOPS',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: '1.2', channel_id: 'C0ADMINS', is_ephemeral: true },
    trigger_id: fields.triggerId ?? `trigger.${randomUUID()}`,
    team: { id: team, domain: 'hops' },
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
