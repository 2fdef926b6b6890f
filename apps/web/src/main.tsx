// The dashboard's entry point.
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, COLOR_SCHEME_KEY } from './app.tsx';
import { startFirstLoad } from './lib/first-load.ts';
import { createApiClient, createQueryClient } from './lib/trpc.ts';

// No eval probe: the CSP (script-src 'self') would report zod's caught `new Function` on every load.
// Set where zod keeps its settings (zod/v4/core: `globalThis.__zod_globalConfig ??= {}`, which
// z.config() writes to), so the entry carries no zod at all; the pages' schemas read it.
(globalThis as { __zod_globalConfig?: object }).__zod_globalConfig = { jitless: true };

// Light or dark before the first paint (Mantine confirms it once mounted), so a person who chose
// dark never sees a light page flash first.
function chosenColorScheme(): string | null {
  try {
    return localStorage.getItem(COLOR_SCHEME_KEY);
  } catch (error) {
    console.warn('The light or dark choice could not be read; following the system.', error);
    return null;
  }
}
const chosen = chosenColorScheme();
const systemDark = window.matchMedia('(prefers-color-scheme: dark)').matches;
document.documentElement.dataset.mantineColorScheme =
  chosen === 'light' || chosen === 'dark' ? chosen : systemDark ? 'dark' : 'light';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const client = createApiClient();
const queryClient = createQueryClient();
startFirstLoad(client, queryClient, window.location.pathname);

createRoot(root).render(
  <StrictMode>
    <App client={client} queryClient={queryClient} />
  </StrictMode>,
);
