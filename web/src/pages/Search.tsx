import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { cases } from '../api/endpoints';
import { ErrorAlert, Loading } from '../components/Alerts';
import { CaseTable } from '../components/CaseTable';
import { Pager } from '../components/Pager';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { asCaseNumber } from '../lib/format';

export default function Search() {
  usePageTitle('Search');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const q = (params.get('q') ?? '').trim();
  const [stack, setStack] = useState<{ q: string; cursors: (string | null)[] }>({ q, cursors: [null] });
  const cursors = stack.q === q ? stack.cursors : [null];
  const after = cursors[cursors.length - 1];

  const result = useAsync(
    () => (q ? cases.search(q.slice(0, 200), { size: 25, after }) : Promise.resolve(null)),
    [q, after],
  );

  // A case number (or its digits) goes straight to that case when the user
  // can see it, as a ticket number does in Zendesk or RT, also when the same
  // digits appear in other cases' text (they stay one search away).
  const number = asCaseNumber(q);
  useEffect(() => {
    const rows = result.data?.data;
    if (!number || !rows || after) return;
    if (rows.some((r) => r.number === number)) {
      navigate(`/cases/${number}`, { replace: true });
      return;
    }
    let alive = true;
    cases
      .get(number)
      .then(() => alive && navigate(`/cases/${number}`, { replace: true }))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [number, result.data, after, navigate]);

  const rows = result.data?.data ?? [];
  const hasNext = Boolean(result.data?.meta.has_more && result.data.meta.after_cursor);
  return (
    <div className="search-page">
      <h1>Search results</h1>
      {!q ? (
        <p>Type words or a case number in "Search cases" above.</p>
      ) : (
        <>
          <p>
            Cases matching <strong>“{q}”</strong>
          </p>
          {result.loading && <Loading what="Searching…" />}
          <ErrorAlert error={result.error ?? undefined} />
          {result.data && (
            <>
              <p className="count" data-testid="search-count">
                {rows.length === 0 ? 'No cases found.' : `Showing ${rows.length} ${rows.length === 1 ? 'case' : 'cases'}`}
              </p>
              {rows.length > 0 && (
                <CaseTable
                  rows={rows}
                  caption="Search results"
                  columns={['number', 'subject', 'state', 'account', 'case_type', 'category', 'updated']}
                />
              )}
              <Pager
                label="Result pages"
                hasPrevious={cursors.length > 1}
                hasNext={hasNext}
                busy={result.loading}
                onPrevious={() => setStack({ q, cursors: cursors.slice(0, -1) })}
                onNext={() => setStack({ q, cursors: [...cursors, result.data!.meta.after_cursor] })}
              />
            </>
          )}
        </>
      )}
    </div>
  );
}
