// The Slack app manifest points Slack at the receiver's one endpoint and asks for the scopes used.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { SLACK_EVENTS_PATH } from './app.ts';

test('manifest.yml: /hops and interactivity at /slack/events, and the four scopes', () => {
  const manifest = readFileSync(resolve(import.meta.dirname, '../manifest.yml'), 'utf8');
  expect(manifest).toContain('- command: /hops');
  expect(manifest.match(new RegExp(`https://<host>${SLACK_EVENTS_PATH}$`, 'gm'))).toHaveLength(2);
  expect(manifest).toMatch(
    /interactivity:\n\s+is_enabled: true\n\s+request_url: https:\/\/<host>\/slack\/events/,
  );
  const scopes = manifest.match(/bot:\n((?:\s+- \S+\n)+)/)![1]!.match(/- (\S+)/g);
  expect(scopes).toEqual(['- commands', '- chat:write', '- users:read', '- users:read.email']);
});
