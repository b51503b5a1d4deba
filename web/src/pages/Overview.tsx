import { useCallback, useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { cases } from '../api/endpoints';
import { ErrorAlert, Loading } from '../components/Alerts';
import { CaseTable } from '../components/CaseTable';
import { RequestTypeTiles } from '../components/RequestTypeTiles';
import { useCatalog } from '../context/CatalogContext';
import { useAsync } from '../hooks/useAsync';
import { useLiveStream } from '../hooks/useLiveStream';
import { usePageTitle } from '../hooks/usePageTitle';
import { activityText, activityWhat } from '../lib/activity';
import { formatDateTime } from '../lib/format';

export default function Overview() {
  usePageTitle('Overview');
  const { catalog, error: catalogError } = useCatalog();
  const overview = useAsync(() => cases.overview(), []);

  // Live: each case event re-reads the overview, at most every 200 ms.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { reload } = overview;
  const onCase = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void reload(), 200);
  }, [reload]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  useLiveStream(null, onCase);

  const data = overview.data;
  return (
    <div className="overview">
      <section aria-labelledby="help-heading" className="panel">
        <h1 id="help-heading">How can we help you?</h1>
        {catalog ? (
          <RequestTypeTiles types={catalog.request_types} />
        ) : catalogError ? (
          <ErrorAlert error={catalogError} />
        ) : (
          <Loading />
        )}
      </section>

      <div className="overview-grid">
        <section aria-labelledby="updates-heading" className="panel updates">
          <h2 id="updates-heading">Updates</h2>
          {overview.loading && !data && <Loading />}
          {overview.error != null && !data && <ErrorAlert error={overview.error} />}
          {data && data.updates.length === 0 && <p>No recent updates.</p>}
          {data && data.updates.length > 0 && (
            <ul className="update-list">
              {data.updates.map((u) => {
                const text = activityText(u);
                return (
                  <li key={`${u.case_number}-${u.version}-${u.type}`} className="update">
                    <p className="update-line">
                      <strong>{u.actor.display_name}</strong> {activityWhat(u)} on{' '}
                      <Link to={`/cases/${u.case_number}`}>
                        {u.case_number}
                        {u.subject ? `: ${u.subject}` : ''}
                      </Link>
                    </p>
                    {text && <p className="update-text">{text}</p>}
                    <p className="update-when">
                      <time dateTime={u.at}>{formatDateTime(u.at)}</time>
                    </p>
                  </li>
                );
              })}
            </ul>
          )}
        </section>

        <section aria-labelledby="open-heading" className="panel open-cases">
          <h2 id="open-heading">Open Support Cases</h2>
          {overview.loading && !data && <Loading />}
          {overview.error != null && <ErrorAlert error={overview.error} />}
          {data && (
            <>
              <p data-testid="open-cases-count" className="count">
                Showing {data.open_cases.length} {data.open_cases.length === 1 ? 'case' : 'cases'}
              </p>
              {data.open_cases.length > 0 && (
                <CaseTable
                  rows={data.open_cases}
                  caption="Open Support Cases"
                  columns={['state', 'number', 'account', 'service_address', 'case_type', 'category', 'updated', 'opened']}
                  headOverrides={{ account: 'Account Name' }}
                />
              )}
              <p>
                <Link to="/support">See all cases</Link>
              </p>
            </>
          )}
        </section>
      </div>
    </div>
  );
}
