import { useState } from 'react';
import { portal } from '../api/endpoints';
import { ApiError } from '../api/problem';
import { ErrorAlert, Loading } from '../components/Alerts';
import { Pager } from '../components/Pager';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { formatDateTime } from '../lib/format';

export default function StaffFeedback() {
  usePageTitle('Feedback');
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const after = stack[stack.length - 1];
  const page = useAsync(() => portal.feedback({ size: 25, after }), [after]);
  const rows = page.data?.data ?? [];
  const missing = page.error instanceof ApiError && (page.error.status === 404 || page.error.status === 405);
  return (
    <div>
      <h1>Feedback</h1>
      {page.loading && <Loading />}
      {missing ? (
        <p role="status">The feedback list is not available from the server yet.</p>
      ) : (
        <ErrorAlert error={page.error ?? undefined} />
      )}
      {page.data && rows.length === 0 && <p>No feedback yet.</p>}
      {rows.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Feedback" tabIndex={0}>
          <table className="data-table">
            <caption className="visually-hidden">Feedback</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">From</th>
                <th scope="col">Rating</th>
                <th scope="col">Page</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.id}>
                  <td data-label="Received">{formatDateTime(f.created_at)}</td>
                  <td data-label="From">
                    {f.user_name || '—'}
                    {f.email ? ` (${f.email})` : ''}
                  </td>
                  <td data-label="Rating">{f.rating ? `${f.rating} of 5` : '—'}</td>
                  <td data-label="Page">{f.page || '—'}</td>
                  <td data-label="Message" className="pre-wrap">
                    {f.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && (
        <Pager
          label="Feedback pages"
          hasPrevious={stack.length > 1}
          hasNext={Boolean(page.data.meta.has_more && page.data.meta.after_cursor)}
          onPrevious={() => setStack(stack.slice(0, -1))}
          onNext={() => setStack([...stack, page.data!.meta.after_cursor])}
        />
      )}
    </div>
  );
}
