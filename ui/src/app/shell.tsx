/** The page frame: skip link, header with navigation, live-stream indicator and sign-out, then the page. */
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useLiveStatus } from '../hooks/use-live';

const NAV = [
  { href: '/', label: 'Pipelines', match: (p: string) => p === '/' || p.startsWith('/pipelines') },
  { href: '/events', label: 'Events', match: (p: string) => p.startsWith('/events') },
  { href: '/plugins', label: 'Plugins', match: (p: string) => p.startsWith('/plugins') },
  { href: '/secrets', label: 'Secrets & objects', match: (p: string) => p.startsWith('/secrets') },
  { href: '/tokens', label: 'Tokens', match: (p: string) => p.startsWith('/tokens') },
];

const LIVE_TEXT = { idle: 'Not live', connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting…', stopped: 'Not live' } as const;

export function Shell({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const [path] = useLocation();
  const live = useLiveStatus();
  return (
    <div className="gofer-ui gofer-app">
      <a className="gofer-skip" href="#main">
        Skip to content
      </a>
      <header className="gofer-header">
        <Link href="/" className="gofer-brand">
          Gofer
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={n.match(path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="gofer-header__end">
          <span className={`gofer-live gofer-live--${live}`} role="status" title="Updates from the service's event stream">
            <span className="gofer-live__dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
