// The invite links made on this page. A link is shown only when it is made (resending makes a new
// one), so the page keeps the ones it made until it is left: the latest in a card to copy, and
// each beside its invite in the list.
import { useState } from 'react';
import type { RouterOutputs } from '../../lib/trpc.ts';

type Invite = RouterOutputs['invites']['list'][number];
export type OnInviteLink = (invite: Invite, url: string) => void;

export function useInviteLinks() {
  const [links, setLinks] = useState<ReadonlyMap<string, string>>(new Map());
  const [latest, setLatest] = useState<{ email: string; url: string } | null>(null);
  const onLink: OnInviteLink = (invite, url) => {
    setLinks((current) => new Map(current).set(invite.id, url));
    setLatest({ email: invite.email, url });
  };
  return { links, latest, onLink };
}
