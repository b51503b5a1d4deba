import { useState } from 'react';
import { usePortal } from '../context/PortalContext';
import { FeedbackDialog } from './FeedbackDialog';

export function SiteFooter() {
  const { links, provider_name } = usePortal();
  const [open, setOpen] = useState(false);
  return (
    <footer className="site-footer">
      {links.length > 0 && (
        <nav aria-label="Footer">
          <ul className="footer-links">
            {links.map((l) => (
              <li key={l.id}>
                <a href={l.url} target="_blank" rel="noopener noreferrer">
                  {l.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div className="footer-row">
        <span>© {provider_name}</span>
        <button type="button" className="btn" onClick={() => setOpen(true)}>
          Send Feedback
        </button>
      </div>
      {open && <FeedbackDialog onClose={() => setOpen(false)} />}
    </footer>
  );
}
