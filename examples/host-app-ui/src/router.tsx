/** The host's own tiny router (history API): Gofer's views link through its <HostLink>. */
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    addEventListener('host:navigate', onPop);
    return () => {
      removeEventListener('popstate', onPop);
      removeEventListener('host:navigate', onPop);
    };
  }, []);
  return path;
}

export function navigate(href: string): void {
  history.pushState(null, '', href);
  dispatchEvent(new Event('host:navigate'));
}

export function HostLink({ href, children, ...rest }: { href: string; className?: string; children?: ReactNode; 'aria-label'?: string; title?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
