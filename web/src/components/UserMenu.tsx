import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import { useAuth } from '../context/AuthContext';
import { initials } from '../lib/format';

/** The initials button and its menu: "My Account", "Sign out". */
export function UserMenu() {
  const { user, signOut } = useAuth();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = useRef<(HTMLElement | null)[]>([]);

  useEffect(() => {
    if (!open) return;
    items.current[0]?.focus();
    const onDoc = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);

  const onMenuKey = (e: KeyboardEvent) => {
    const list = items.current.filter(Boolean) as HTMLElement[];
    const i = list.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      setOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      list[(i + 1) % list.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      list[(i - 1 + list.length) % list.length]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  const doSignOut = async () => {
    setBusy(true);
    setError('');
    try {
      await signOut();
    } catch {
      setError('Signing out failed. Please try again.');
      setBusy(false);
    }
  };

  if (!user) return null;
  const ini = initials(user.name, user.email);
  return (
    <div className="user-menu" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="initials-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls="user-menu-list"
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        <span aria-hidden="true">{ini}</span>
        <span className="visually-hidden">{ini} Account menu for {user.name}</span>
      </button>
      {open && (
        <ul id="user-menu-list" role="menu" aria-label="Account menu" className="menu" onKeyDown={onMenuKey}>
          <li role="none">
            <Link
              role="menuitem"
              to="/account"
              ref={(el) => {
                items.current[0] = el;
              }}
              onClick={() => setOpen(false)}
            >
              My Account
            </Link>
          </li>
          <li role="none">
            <button
              role="menuitem"
              type="button"
              ref={(el) => {
                items.current[1] = el;
              }}
              onClick={doSignOut}
              disabled={busy}
            >
              {busy ? 'Signing out…' : 'Sign out'}
            </button>
          </li>
        </ul>
      )}
      {error && (
        <div role="alert" className="menu-error">
          {error}
        </div>
      )}
    </div>
  );
}
