import { createContext, useContext } from 'react';
import type { Me } from './trpc.ts';

export const MeContext = createContext<Me | null>(null);

/** The signed-in user; only inside the signed-in layout. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() is only available inside the signed-in layout');
  return me;
}
