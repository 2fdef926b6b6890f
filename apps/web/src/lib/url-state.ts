// Page state kept in the address bar (filters, ranges, a selected member), so a view can be
// shared and survives a reload: one updater for every page that does this.
import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/** A change to the search parameters: a value sets its key, an empty one removes it. */
type UrlChanges = Record<string, string | null | undefined>;

/**
 * The current search parameters, and a function that changes some of them and keeps the rest.
 * Changes replace the history entry: typing in a filter does not leave one entry per key.
 */
export function useUrlState(): [URLSearchParams, (changes: UrlChanges) => void] {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: UrlChanges) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value) next.set(key, value);
            else next.delete(key);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [params, update];
}
