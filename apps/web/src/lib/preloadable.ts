// React.lazy that can be started ahead of rendering and then renders without suspending: once the
// chunk is in, the component is handed over synchronously, so React shows it at once instead of
// showing the fallback first and revealing the content on its Suspense throttle (≈300 ms in
// React 19), which on the first load was most of the time between the data's arrival and its paint.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

type Module<P> = { default: ComponentType<P> };

export type Preloadable<P> = LazyExoticComponent<ComponentType<P>> & {
  /** Starts loading the chunk; the same promise for every call until one fails. */
  preload: () => Promise<Module<P>>;
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
  return Object.assign(component, { preload });
}
