// The dashboard's first script (index.html loads it before the entry): on the Overview, it asks
// the session check and the page's figures at once, while the browser is still fetching and
// compiling the dashboard's code, instead of after it (bench:web's first load: the request began
// ~270 ms after navigation, when the entry had run). first-load.ts takes the answers; an error or
// a failed request is asked again through tRPC, so nothing differs but the time.
import { batchUrl, overviewCalls } from './lib/overview-calls.ts';

if (window.location.pathname === '/') {
  const calls = overviewCalls();
  window.__hopsEarly = {
    calls,
    answers: fetch(batchUrl(calls), { credentials: 'same-origin' }).then(async (response) => {
      // tRPC answers a batch with an array even when some calls failed (then with their status).
      const body: unknown = await response.json();
      if (!Array.isArray(body))
        throw new Error(`the early request was answered ${response.status}`);
      return body as never;
    }),
  };
}
