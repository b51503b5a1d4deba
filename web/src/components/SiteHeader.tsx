import { useEffect, useState, type FormEvent } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../context/AuthContext';
import { usePortal } from '../context/PortalContext';
import { UserMenu } from './UserMenu';

function Brand() {
  const { product_name, logo_url } = usePortal();
  return (
    <Link to="/" className="brand">
      <img src={logo_url || '/branding/logo.svg'} alt="" className="brand-logo" />
      <span className="brand-name">{product_name}</span>
    </Link>
  );
}

export function PublicHeader() {
  return (
    <header className="site-header">
      <div className="header-bar">
        <Brand />
        <div className="header-actions">
          <Link to="/sign-in" className="btn btn-on-primary">
            Sign in
          </Link>
        </div>
      </div>
    </header>
  );
}

function GlobalSearch() {
  const navigate = useNavigate();
  const location = useLocation();
  const [q, setQ] = useState('');
  useEffect(() => {
    if (location.pathname === '/search') setQ(new URLSearchParams(location.search).get('q') ?? '');
  }, [location]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = q.trim();
    if (!t) return;
    navigate(`/search?q=${encodeURIComponent(t)}`);
  };
  return (
    <form role="search" aria-label="Global search" className="global-search" onSubmit={submit}>
      <label htmlFor="global-search-q" className="visually-hidden">
        Search cases
      </label>
      <input
        id="global-search-q"
        type="search"
        placeholder="Search cases"
        value={q}
        maxLength={200}
        onChange={(e) => setQ(e.target.value)}
      />
      <button type="submit" className="btn btn-on-primary">
        Search
      </button>
    </form>
  );
}

export function AppHeader() {
  const { isStaff } = useAuth();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);

  const links: [string, string][] = [
    ['/', 'Overview'],
    ['/support', 'Support'],
    ['/system-status', 'System Status'],
    ['/quick-links', 'Quick Links'],
  ];
  if (isStaff) {
    links.push(
      ['/staff/chat', 'Live Chat'],
      ['/staff/access-requests', 'Access Requests'],
      ['/staff/users', 'Users'],
      ['/staff/feedback', 'Feedback'],
    );
  }
  return (
    <header className="site-header">
      <div className="header-bar">
        <Brand />
        <button
          type="button"
          className="btn btn-on-primary menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <div className="header-actions">
          <GlobalSearch />
          <Link to="/cases/new" className="btn btn-accent">
            Create Support Case
          </Link>
          <UserMenu />
        </div>
      </div>
      <nav id="main-nav" aria-label="Main" className={`main-nav ${menuOpen ? 'main-nav-open' : ''}`}>
        <ul>
          {links.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to} end={to === '/'}>
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}
