/** What every view and hook reads from <GoferProvider>. */
import { createContext, useContext, type ComponentType, type ReactNode } from 'react';
import type { GoferClient, TokenGetter } from '../api/client';
import type { EventHub } from './event-hub';
import type { GoferPaths } from './paths';

/** A link the views render: a plain `<a>` by default, or the host router's own link component. */
export type LinkComponent = ComponentType<{ href: string; className?: string; children?: ReactNode; 'aria-label'?: string; title?: string }>;

export interface GoferContextValue {
  client: GoferClient;
  baseUrl: string;
  getToken: TokenGetter;
  events: EventHub;
  paths: GoferPaths;
  Link: LinkComponent;
  /** Reports a refused token (401) to the host. */
  unauthorized: (error: Error) => void;
}

export const GoferContext = createContext<GoferContextValue | undefined>(undefined);

/** The provider's values; throws a clear error when a view is rendered outside <GoferProvider>. */
export function useGofer(): GoferContextValue {
  const value = useContext(GoferContext);
  if (!value) throw new Error('@gofer/ui: this view must be rendered inside <GoferProvider baseUrl=... getToken=...>.');
  return value;
}
