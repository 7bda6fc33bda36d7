/**
 * <GoferProvider>: the one thing a host app wraps around Gofer's views. It holds the typed API
 * client (base URL + a token function: the host's auth decides where the token comes from), a
 * query cache, the shared live event stream that keeps that cache current, and the host's links.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import { GoferApiError } from '../api/api-error';
import { createGoferClient, normalizeBaseUrl, type TokenGetter } from '../api/client';
import { EventHub } from './event-hub';
import { GoferContext, type GoferContextValue, type LinkComponent } from './gofer-context';
import { LiveCacheUpdates } from './live-cache';
import { defaultPaths, type GoferPaths } from './paths';

export interface GoferProviderProps {
  /** Where the service answers; default `''`: the page's own origin (the service serves the UI). */
  baseUrl?: string;
  /** Returns the API token for each request (sync or async). It is sent as a header, never in a URL. */
  getToken: TokenGetter;
  /** Called when the service refuses the token (401): log out, refresh it, or ask the user. */
  onUnauthorized?: (error: GoferApiError) => void;
  /** Where views link to (default: the standalone UI's routes). */
  paths?: Partial<GoferPaths>;
  /** The host router's link component (default: a plain `<a href>`). */
  linkComponent?: LinkComponent;
  /** Follow the service's events to update views live (default true). */
  live?: boolean;
  /** The host's own TanStack Query client, to share one cache (default: the provider makes one). */
  queryClient?: QueryClient;
  children?: ReactNode;
}

const PlainLink: LinkComponent = ({ href, children, ...rest }) => (
  <a href={href} {...rest}>
    {children}
  </a>
);

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // A 4xx is an answer, not a hiccup: show it at once instead of retrying.
        retry: (count, err) => !(err instanceof GoferApiError && err.status >= 400 && err.status < 500) && count < 2,
      },
    },
  });
}

export function GoferProvider(props: GoferProviderProps) {
  const latest = useRef(props);
  latest.current = props;
  const baseUrl = normalizeBaseUrl(props.baseUrl);

  const ownClient = useMemo(() => (props.queryClient ? undefined : makeQueryClient()), [props.queryClient]);
  const queryClient = props.queryClient ?? ownClient!;
  const value = useMemo<GoferContextValue>(() => {
    const getToken: TokenGetter = () => latest.current.getToken();
    const unauthorized = (error: Error) => {
      latest.current.onUnauthorized?.(error instanceof GoferApiError ? error : new GoferApiError(401, 'ERR_UNAUTHENTICATED', error.message));
    };
    const client = createGoferClient({ baseUrl, getToken, onUnauthorized: unauthorized });
    return {
      client,
      baseUrl,
      getToken,
      unauthorized,
      events: new EventHub({ client, baseUrl, getToken, onUnauthorized: unauthorized }),
      paths: { ...defaultPaths(), ...props.paths },
      Link: props.linkComponent ?? PlainLink,
    };
    // Paths and the link component are read once: hosts pass stable values.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [baseUrl]);

  useEffect(() => () => value.events.close(), [value]);

  return (
    <QueryClientProvider client={queryClient}>
      <GoferContext.Provider value={value}>
        {props.live !== false && <LiveCacheUpdates />}
        {props.children}
      </GoferContext.Provider>
    </QueryClientProvider>
  );
}
