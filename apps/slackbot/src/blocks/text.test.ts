// Reading replies as plain text: what `ask` prints and what the tests read.
import { describe, expect, test } from 'vitest';
import { mrkdwnToText } from './text.ts';

describe('mrkdwn to text', () => {
  test('drops emphasis, links and entities', () => {
    expect(mrkdwnToText("*alice@acme.test*'s _team_ &lt;ok&gt; <https://x.test|link>")).toBe(
      "alice@acme.test's team <ok> link (https://x.test)",
    );
  });
});
