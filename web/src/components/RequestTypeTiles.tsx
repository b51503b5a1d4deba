import { Link } from 'react-router-dom';
import type { RequestType } from '../api/types';

const BLURB: Record<string, string> = {
  'technical-support': 'Something is not working as it should.',
  'account-billing': 'Questions about bills, payments or your account.',
  'add-service': 'Order a new service or connect a new site.',
  'change-service': 'Upgrade, downgrade or disconnect a service.',
};

/** The four request types as tiles; each opens the wizard at that type. */
export function RequestTypeTiles({ types }: { types: RequestType[] }) {
  return (
    <ul className="tiles request-tiles">
      {types.map((t) => (
        <li key={t.id}>
          <Link className="tile" to={`/cases/new?type=${encodeURIComponent(t.id)}`}>
            <span className="tile-title">{t.name}</span>
            {BLURB[t.id] && <span className="tile-text">{BLURB[t.id]}</span>}
          </Link>
        </li>
      ))}
    </ul>
  );
}
