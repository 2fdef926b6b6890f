// The invite page (SPEC §3.2, §12): opening a link — signed in or not, straight or back from the
// sign-in — shows the invite and never joins the team; only a click on Accept calls invites.accept,
// once, with the link's secret; a refusal shows the API's sentence; nothing from the address is
// shown as if hops had said it.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Route, Routes } from 'react-router';
import type { Me } from '../lib/trpc.ts';
import { apiError, owner, renderPage } from '../test/render.tsx';
import InvitePage from './invite.tsx';

const TOKEN = 'S'.repeat(43);
const NORA = 'nora@example.test';

const nora: Me = {
  ...owner,
  id: 'dev|nora',
  email: NORA,
  name: 'Nora New',
  cluster: null,
};

function preview(status: 'open' | 'accepted' | 'expired' | 'revoked' = 'open') {
  return {
    ownerName: 'Alice Owner',
    ownerEmail: 'alice@acme.test',
    email: NORA,
    projectRole: 'Data scientist',
    expiresAt: '2026-03-08T12:00:00.000Z',
    status,
  };
}

/**
 * The page at `path` with `me` signed in (null: signed out); `accept` answers invites.accept, and
 * `email` is whom the invite is for.
 */
function open(
  path: string,
  me: Me | null,
  { accept = () => ({}), email = NORA }: { accept?: () => unknown; email?: string } = {},
) {
  let state: 'open' | 'accepted' = 'open';
  let signedIn = me;
  const rendered = renderPage(
    <Routes>
      <Route path="/invite/:token" element={<InvitePage />} />
    </Routes>,
    {
      me,
      path,
      handlers: {
        'invites.preview': () => ({ ...preview(state), email }),
        'me.get': () => {
          if (!signedIn) throw apiError('UNAUTHORIZED', 'Sign in first.');
          return signedIn;
        },
        'invites.accept': () => {
          const result = accept();
          state = 'accepted';
          signedIn = {
            ...nora,
            role: 'member',
            owner: { id: owner.id, email: owner.email, name: owner.name },
          };
          return result;
        },
      },
    },
  );
  return { ...rendered, accepts: () => rendered.calls.filter((c) => c.path === 'invites.accept') };
}

describe('Invite page', { timeout: 30_000 }, () => {
  it('signed out: shows the invite and a sign-in link back to this page, calls nothing that joins', async () => {
    const page = open(`/invite/${TOKEN}`, null);
    const signIn = await screen.findByRole('link', { name: 'Sign in to accept' });
    expect(signIn).toHaveAttribute(
      'href',
      `/login?invite=${TOKEN}&returnTo=${encodeURIComponent(`/invite/${TOKEN}`)}`,
    );
    expect(screen.getByText(/invites you to their hops account/)).toBeInTheDocument();
    expect(page.accepts()).toEqual([]);
  });

  it('signed in as the invitee, even back from the sign-in: shows Accept and joins only when it is clicked', async () => {
    for (const path of [
      `/invite/${TOKEN}`,
      `/invite/${TOKEN}?joined=1`,
      `/invite/${TOKEN}?accept=1`,
      `/invite/${TOKEN}?problem=Call%20%2B1%20555%200100%20to%20accept`,
    ]) {
      const page = open(path, nora);
      const accept = await screen.findByRole('button', { name: 'Accept invite' });
      // However long the page stays open, nothing joins until the click.
      await waitFor(() => expect(page.calls.some((c) => c.path === 'me.get')).toBe(true));
      expect(page.accepts(), path).toEqual([]);
      // Text carried in the address is never shown as hops' own words.
      expect(screen.queryByText(/555/)).toBeNull();
      expect(accept).toBeEnabled();
      page.unmount();
    }

    const page = open(`/invite/${TOKEN}`, nora);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Accept invite' }));
    expect(await screen.findByTestId('invite-joined')).toBeInTheDocument();
    expect(page.accepts()).toEqual([{ path: 'invites.accept', input: { token: TOKEN } }]);
  });

  it('shows a refused Accept as the API’s sentence, and stays a non-member', async () => {
    const reason =
      'You are a member of carol@globex.test’s team. Leave that team first, then open this invite again.';
    const page = open(`/invite/${TOKEN}`, nora, {
      accept: () => {
        throw apiError('CONFLICT', reason);
      },
    });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Accept invite' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(reason);
    expect(screen.queryByTestId('invite-joined')).toBeNull();
    expect(page.accepts()).toHaveLength(1);
  });

  it('signed in as someone else: says whom the invite is for and offers no Accept', async () => {
    const page = open(`/invite/${TOKEN}`, owner);
    expect(await screen.findByTestId('invite-wrong-email')).toHaveTextContent(
      `This invite is for ${NORA}, but you are signed in as ${owner.email}.`,
    );
    expect(screen.queryByRole('button', { name: 'Accept invite' })).toBeNull();
    expect(page.accepts()).toEqual([]);
  });

  it('an address that matches only under Unicode case mapping is someone else', async () => {
    // 'K' (the Kelvin sign) lower-cases to 'k' in JavaScript: the page must not treat it as Nora's.
    const kelvin: Me = { ...nora, email: '\u212Aen@example.test' };
    const page = open(`/invite/${TOKEN}`, kelvin, { email: 'ken@example.test' });
    expect(await screen.findByTestId('invite-wrong-email')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Accept invite' })).toBeNull();
    expect(page.accepts()).toEqual([]);
  });
});
