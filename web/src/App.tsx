import { lazy, useEffect } from 'react';
import { Route, Routes, useLocation } from 'react-router-dom';
import { AppLayout, PublicLayout, StaffOnly } from './components/Layout';
import { AuthProvider } from './context/AuthContext';
import { PortalProvider } from './context/PortalContext';
import Overview from './pages/Overview';
import SignIn from './pages/SignIn';

// Overview and Sign in load with the first bundle; every other page is its
// own chunk, fetched when first visited.
const SignInHelp = lazy(() => import('./pages/SignInHelp'));
const ForgotPassword = lazy(() => import('./pages/ForgotPassword'));
const UnlockAccount = lazy(() => import('./pages/UnlockAccount'));
const CantAccessEmail = lazy(() => import('./pages/CantAccessEmail'));
const RequestAccess = lazy(() => import('./pages/RequestAccess'));
const Activate = lazy(() => import('./pages/Activate'));
const ResetPassword = lazy(() => import('./pages/ResetPassword'));
const UnlockConfirm = lazy(() => import('./pages/UnlockConfirm'));
const Support = lazy(() => import('./pages/Support'));
const Search = lazy(() => import('./pages/Search'));
const CaseNew = lazy(() => import('./pages/CaseNew'));
const CaseDetail = lazy(() => import('./pages/CaseDetail'));
const SystemStatus = lazy(() => import('./pages/SystemStatus'));
const QuickLinks = lazy(() => import('./pages/QuickLinks'));
const Account = lazy(() => import('./pages/Account'));
const StaffAccessRequests = lazy(() => import('./pages/StaffAccessRequests'));
const StaffUsers = lazy(() => import('./pages/StaffUsers'));
const StaffFeedback = lazy(() => import('./pages/StaffFeedback'));
const StaffChat = lazy(() => import('./pages/StaffChat'));
const NotFound = lazy(() => import('./pages/NotFound'));

function FocusOnNavigate() {
  // Move focus to <main> after a client-side navigation so screen readers
  // and keyboard users start at the new page.
  const { pathname } = useLocation();
  useEffect(() => {
    const main = document.getElementById('main');
    if (main && document.activeElement && document.activeElement !== document.body) {
      const inHeader = document.activeElement.closest('header, footer');
      if (inHeader) main.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}

export function App() {
  return (
    <PortalProvider>
      <AuthProvider>
        <FocusOnNavigate />
        <Routes>
          <Route element={<PublicLayout />}>
            <Route path="/sign-in" element={<SignIn />} />
            <Route path="/sign-in/help" element={<SignInHelp />} />
            <Route path="/forgot-password" element={<ForgotPassword />} />
            <Route path="/unlock-account" element={<UnlockAccount />} />
            <Route path="/cant-access-email" element={<CantAccessEmail />} />
            <Route path="/request-access" element={<RequestAccess />} />
            <Route path="/activate" element={<Activate />} />
            <Route path="/reset-password" element={<ResetPassword />} />
            <Route path="/unlock" element={<UnlockConfirm />} />
            <Route path="*" element={<NotFound />} />
          </Route>
          <Route element={<AppLayout />}>
            <Route path="/" element={<Overview />} />
            <Route path="/support" element={<Support />} />
            <Route path="/search" element={<Search />} />
            <Route path="/cases/new" element={<CaseNew />} />
            <Route path="/cases/:number" element={<CaseDetail />} />
            <Route path="/system-status" element={<SystemStatus />} />
            <Route path="/quick-links" element={<QuickLinks />} />
            <Route path="/account" element={<Account />} />
            <Route
              path="/staff/access-requests"
              element={
                <StaffOnly>
                  <StaffAccessRequests />
                </StaffOnly>
              }
            />
            <Route
              path="/staff/users"
              element={
                <StaffOnly>
                  <StaffUsers />
                </StaffOnly>
              }
            />
            <Route
              path="/staff/chat"
              element={
                <StaffOnly>
                  <StaffChat />
                </StaffOnly>
              }
            />
            <Route
              path="/staff/feedback"
              element={
                <StaffOnly>
                  <StaffFeedback />
                </StaffOnly>
              }
            />
          </Route>
        </Routes>
      </AuthProvider>
    </PortalProvider>
  );
}
