import { Suspense, type ReactNode } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router-dom';
import { signInPath, useAuth } from '../context/AuthContext';
import { CatalogProvider } from '../context/CatalogContext';
import { ErrorAlert, Loading } from './Alerts';
import { ChatLauncher } from './chat/ChatLauncher';
import { ConnectionBanner } from './ConnectionBanner';
import { PageErrorBoundary } from './PageErrorBoundary';
import { AppHeader, PublicHeader } from './SiteHeader';
import { SiteFooter } from './SiteFooter';

function Shell({ header, children, aside }: { header: ReactNode; children: ReactNode; aside?: ReactNode }) {
  const { pathname } = useLocation();
  return (
    <div className={aside ? 'shell shell-docked' : 'shell'}>
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      {header}
      <ConnectionBanner />
      <main id="main" tabIndex={-1} className="main">
        <PageErrorBoundary resetKey={pathname}>
          <Suspense fallback={<Loading />}>{children}</Suspense>
        </PageErrorBoundary>
      </main>
      <SiteFooter />
      {aside}
    </div>
  );
}

/** Pages for anyone (sign in, links from e-mails, request access). */
export function PublicLayout() {
  const { user } = useAuth();
  return (
    <Shell header={user ? <AppHeader /> : <PublicHeader />}>
      {user ? (
        <CatalogProvider>
          <Outlet />
        </CatalogProvider>
      ) : (
        <Outlet />
      )}
    </Shell>
  );
}

/** Pages that need a session: sign in first, then come back. */
export function AppLayout() {
  const { status, refresh } = useAuth();
  const location = useLocation();
  if (status === 'loading') {
    return (
      <Shell header={<PublicHeader />}>
        <Loading />
      </Shell>
    );
  }
  if (status === 'signed-out') {
    return <Navigate to={signInPath(location.pathname + location.search)} replace />;
  }
  if (status === 'error') {
    return (
      <Shell header={<PublicHeader />}>
        <h1>We could not load the portal</h1>
        <ErrorAlert>The portal could not reach the server.</ErrorAlert>
        <button type="button" className="btn btn-primary" onClick={() => void refresh()}>
          Try again
        </button>
      </Shell>
    );
  }
  return (
    <CatalogProvider>
      <Shell header={<AppHeader />} aside={<ChatLauncher />}>
        <Outlet />
      </Shell>
    </CatalogProvider>
  );
}

/** Staff-only pages: customers see "not found". */
export function StaffOnly({ children }: { children: ReactNode }) {
  const { isStaff } = useAuth();
  if (!isStaff) return <NotFoundContent />;
  return <>{children}</>;
}

export function NotFoundContent({ title = 'Page not found' }: { title?: string }) {
  return (
    <section className="not-found">
      <h1>{title}</h1>
      <p>The page you asked for was not found, or you do not have access to it.</p>
      <p>
        <Link to="/">Go to the Overview</Link>
      </p>
    </section>
  );
}
