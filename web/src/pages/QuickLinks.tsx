import { portal } from '../api/endpoints';
import { ErrorAlert, Loading } from '../components/Alerts';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';

export default function QuickLinks() {
  usePageTitle('Quick Links');
  const links = useAsync(() => portal.quickLinks().then((r) => r.data), []);
  return (
    <div className="quick-links">
      <h1>Customer Logins and Links</h1>
      {links.loading && <Loading />}
      <ErrorAlert error={links.error ?? undefined} />
      {links.data && links.data.length === 0 && <p>No links are set up.</p>}
      {links.data && links.data.length > 0 && (
        <ul className="tiles link-tiles">
          {links.data.map((l) => (
            <li key={l.url + l.title} className="tile link-tile">
              <h2 className="tile-title">{l.title}</h2>
              {l.description && <p className="tile-text">{l.description}</p>}
              <a href={l.url} target="_blank" rel="noopener noreferrer">
                Open {l.title}
                <span className="visually-hidden"> (opens in a new tab)</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
