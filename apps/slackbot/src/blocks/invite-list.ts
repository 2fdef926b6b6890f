// An owner's open invites, each with a button (Revoke, which asks for a Confirm before acting).
import type { types } from '@slack/bolt';
import type { ApiOutputs } from '../api.ts';
import { context, esc, header, section, type Block, type Reply } from './kit.ts';
import { count, when } from './format.ts';

export type InviteView = ApiOutputs['invites']['list'][number];

const SHOWN = 20;

export function inviteList(
  ownerEmail: string,
  invites: InviteView[],
  buttonFor: (invite: InviteView) => types.Button,
): Reply {
  if (invites.length === 0) {
    const text = `${ownerEmail} has no open invites.`;
    return { text, blocks: [section(esc(text))] };
  }
  const blocks: Block[] = [header(`Open invites of ${ownerEmail}`)];
  for (const invite of invites.slice(0, SHOWN)) {
    const state = invite.status === 'expired' ? ' · *expired*' : '';
    blocks.push(
      section(
        `*${esc(invite.email)}* · ${esc(invite.projectRole)}${state}\nsent ${when(invite.createdAt)}, expires ${when(invite.expiresAt)}`,
        buttonFor(invite),
      ),
    );
  }
  if (invites.length > SHOWN) {
    blocks.push(context(`…and ${invites.length - SHOWN} more, see the dashboard.`));
  }
  return {
    text: `${count(invites.length, 'open invite')} of ${ownerEmail}: ${invites.map((i) => i.email).join(', ')}`,
    blocks,
  };
}
