// An owner's open invites, each with a Revoke button (which asks for a Confirm before acting).
import type { ApiOutputs } from '../api.ts';
import { REVOKE_ACTION, type PendingAction } from '../confirm.ts';
import { button, context, esc, header, section, type Block, type Reply } from './kit.ts';
import { when } from './format.ts';

export type InviteView = ApiOutputs['invites']['list'][number];

const SHOWN = 20;

export function revokeValue(invite: InviteView, ownerEmail: string): string {
  const action: PendingAction = {
    op: 'revoke',
    inviteId: invite.id,
    email: invite.email,
    ownerEmail,
  };
  return JSON.stringify(action);
}

export function inviteList(ownerEmail: string, invites: InviteView[]): Reply {
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
        button({
          text: 'Revoke',
          actionId: REVOKE_ACTION,
          value: revokeValue(invite, ownerEmail),
          style: 'danger',
        }),
      ),
    );
  }
  if (invites.length > SHOWN) {
    blocks.push(context(`…and ${invites.length - SHOWN} more, see the dashboard.`));
  }
  return {
    text: `${invites.length} open invite${invites.length === 1 ? '' : 's'} of ${ownerEmail}: ${invites.map((i) => i.email).join(', ')}`,
    blocks,
  };
}
