/** A page's h1: sets the document title and takes focus when the route changes, so screen readers announce the new page. */
import { useEffect, useRef, type ReactNode } from 'react';

let firstPage = true;

export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Gofer`;
  }, [title]);
  useEffect(() => {
    // Focus moves to the heading on navigation, not on the first load (the skip link comes first).
    if (!firstPage) ref.current?.focus();
    firstPage = false;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="gofer-page-title">
      {children}
    </h1>
  );
}

/** Shown by pages whose query failed. */
export function ErrorNote({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  return (
    <p role="alert" className="gofer-error">
      {error.message}
    </p>
  );
}
