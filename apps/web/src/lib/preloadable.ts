// React.lazy that can be started ahead of rendering and then renders without suspending: once the
// chunk is in, the component is handed over synchronously, so React shows it at once instead of
// showing the fallback first and revealing the content on its Suspense throttle (≈300 ms in
// React 19), which on the first load was most of the time between the data's arrival and its paint.
import { lazy, useEffect, useState, type ComponentType, type LazyExoticComponent } from 'react';

type Module<P> = { default: ComponentType<P> };

export type Preloadable<P> = LazyExoticComponent<ComponentType<P>> & {
  /** Starts loading the chunk; the same promise for every call until one fails. */
  preload: () => Promise<Module<P>>;
  /** The component once its chunk is in, else undefined. */
  current: () => ComponentType<P> | undefined;
};

export function preloadable<P extends object>(load: () => Promise<Module<P>>): Preloadable<P> {
  let loaded: Module<P> | undefined;
  let pending: Promise<Module<P>> | undefined;
  const preload = () =>
    (pending ??= load().then(
      (module) => (loaded = module),
      (error: unknown) => {
        pending = undefined; // the next render or preload asks again
        throw error;
      },
    ));
  const component = lazy(() => {
    const ready = loaded;
    // A thenable that calls back at once: React.lazy then resolves during this render.
    if (ready) return { then: (resolve: (m: Module<P>) => void) => resolve(ready) } as never;
    return preload();
  });
  return Object.assign(component, { preload, current: () => loaded?.default });
}

/**
 * The component once its chunk is in, without Suspense (so no reveal throttle): undefined while it
 * loads, then the component; a failed load is thrown to the nearest error boundary.
 */
export function usePreloaded<P>(chunk: Preloadable<P>): ComponentType<P> | undefined {
  const [state, setState] = useState<{ component?: ComponentType<P>; error?: unknown }>(() => ({
    component: chunk.current(),
  }));
  useEffect(() => {
    if (state.component) return;
    let live = true;
    chunk.preload().then(
      (module) => live && setState({ component: module.default }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [chunk, state.component]);
  if (state.error !== undefined) throw state.error;
  return state.component;
}
