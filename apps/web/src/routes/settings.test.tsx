// The Settings page: the identity as the provider gives it, signing out everywhere (then on to
// the sign-in page), and deleting the account with a typed confirmation — the call carries what
// was typed, and a refusal shows as the API's sentence.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, member, owner, renderPage } from '../test/render.tsx';
import SettingsPage from './settings.tsx';

const leftTo: string[] = [];
vi.mock('../lib/navigate.ts', () => ({ leaveTo: (url: string) => leftTo.push(url) }));

/** What the page asked of the server outside tRPC (the /auth routes). */
const fetched: { url: string; method: string }[] = [];
beforeEach(() => {
  leftTo.length = 0;
  fetched.length = 0;
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    fetched.push({ url, method: init.method ?? 'GET' });
    return new Response(null, { status: 204 });
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('Settings', { timeout: 30_000 }, () => {
  it("shows the person's name and e-mail", () => {
    renderPage(<SettingsPage />, { me: member });
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByText('Bob Builder')).toBeInTheDocument();
    expect(screen.getByText('bob@acme.test')).toBeInTheDocument();
  });

  it('signs out everywhere, says this session ends too, and goes to the sign-in page', async () => {
    const { calls } = renderPage(<SettingsPage />, {
      me: member,
      handlers: { 'account.signOutEverywhere': () => ({ signedOutAt: '2026-03-01T12:00:00Z' }) },
    });
    expect(screen.getByRole('heading', { name: 'Sign out everywhere' })).toBeInTheDocument();
    expect(screen.getByText(/this one included/)).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(leftTo).toEqual(['/login']));
    expect(calls.filter((c) => c.path === 'account.signOutEverywhere')).toHaveLength(1);
    expect(fetched).toEqual([{ url: '/auth/logout', method: 'POST' }]);
  });

  it('shows a refused sign-out-everywhere as its sentence and stays on the page', async () => {
    const sentence = 'The database is not reachable right now. Please try again in a moment.';
    renderPage(<SettingsPage />, {
      me: member,
      handlers: {
        'account.signOutEverywhere': () => {
          throw apiError('SERVICE_UNAVAILABLE', sentence);
        },
      },
    });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(sentence);
    expect(leftTo).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('sends what was typed, and shows the refusal of an owner with members as its sentence', async () => {
    const refusal =
      'Your account has 2 members: remove them all or transfer ownership first, then delete your account.';
    const { calls } = renderPage(<SettingsPage />, {
      me: owner,
      handlers: {
        'account.delete': () => {
          throw apiError('PRECONDITION_FAILED', refusal);
        },
      },
    });
    const user = userEvent.setup();
    await user.type(
      screen.getByLabelText('Type your e-mail address (alice@acme.test) to confirm'),
      'alice@acme.test',
    );
    await user.click(screen.getByRole('button', { name: 'Delete my account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(refusal);
    expect(calls.filter((c) => c.path === 'account.delete').map((c) => c.input)).toEqual([
      { confirm: 'alice@acme.test' },
    ]);
  });

  it('shows a wrong confirmation refused, and nothing else happens', async () => {
    const sentence =
      'To delete your account, type your e-mail address (bob@acme.test) exactly as shown.';
    renderPage(<SettingsPage />, {
      me: member,
      handlers: {
        'account.delete': () => {
          throw apiError('BAD_REQUEST', sentence);
        },
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Delete my account' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent(sentence));
  });
});
