import { Link } from 'wouter';
import { PageTitle } from '../page-title';

export function NotFoundPage() {
  return (
    <>
      <PageTitle title="Not found">Page not found</PageTitle>
      <p>
        Nothing lives at this address. Go to the <Link href="/">pipelines</Link>.
      </p>
    </>
  );
}
