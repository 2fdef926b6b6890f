import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { COLOR_SCHEME_KEY } from '../app.tsx';
import { renderPage } from '../test/render.tsx';
import { ColorSchemeToggle } from './layout.tsx';

afterEach(() => localStorage.clear());

const scheme = () => document.documentElement.getAttribute('data-mantine-color-scheme');

describe('light or dark', () => {
  it('follows the system until the person picks one, and remembers the pick', async () => {
    const user = userEvent.setup();
    // The test window's system setting is light (matchMedia answers no to dark).
    const first = renderPage(<ColorSchemeToggle />);
    expect(scheme()).toBe('light');
    expect(localStorage.getItem(COLOR_SCHEME_KEY)).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Switch to dark mode' }));
    expect(scheme()).toBe('dark');
    expect(localStorage.getItem(COLOR_SCHEME_KEY)).toBe('dark');
    first.unmount();

    // A new visit starts dark, and the toggle offers the way back.
    renderPage(<ColorSchemeToggle />);
    expect(scheme()).toBe('dark');
    await user.click(screen.getByRole('button', { name: 'Switch to light mode' }));
    expect(scheme()).toBe('light');
    expect(localStorage.getItem(COLOR_SCHEME_KEY)).toBe('light');
  });
});
