import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { cases, type CaseFilters } from '../api/endpoints';
import { CASE_STATES, type CaseState } from '../api/types';
import { ErrorAlert, Loading } from '../components/Alerts';
import { CaseTable } from '../components/CaseTable';
import { CheckboxGroup } from '../components/CheckboxGroup';
import { TextField } from '../components/Field';
import { Pager } from '../components/Pager';
import { useAuth } from '../context/AuthContext';
import { useCatalog } from '../context/CatalogContext';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { STATE_LABEL } from '../lib/format';

const list = (v: string | null) => (v ? v.split(',').filter(Boolean) : []);

/** The filters live in the URL: ?state=OPEN,NEW&case_type=…&category=…&account_id=…&sort=opened&size=25 */
function filtersFrom(params: URLSearchParams): CaseFilters & { size: number } {
  const sort = params.get('sort') === 'opened' ? 'opened' : 'updated';
  const size = Number(params.get('size')) || 25;
  return {
    state: list(params.get('state')).filter((s): s is CaseState => (CASE_STATES as string[]).includes(s)),
    case_type: list(params.get('case_type')),
    category: list(params.get('category')),
    account_id: list(params.get('account_id')),
    sort,
    size: Math.min(100, Math.max(1, size)),
  };
}

export default function Support() {
  usePageTitle('Support');
  const { user, isStaff } = useAuth();
  const { catalog, typeName } = useCatalog();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const key = params.toString();
  // Cursor pages: the stack of cursors that led to the page shown.
  const [cursors, setCursors] = useState<{ key: string; stack: (string | null)[] }>({ key, stack: [null] });
  const stack = cursors.key === key ? cursors.stack : [null];
  const after = stack[stack.length - 1];

  const page = useAsync(() => cases.list(filters, { size: filters.size, after }), [key, after]);

  const update = (patch: Record<string, string | string[]>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      const s = Array.isArray(v) ? v.join(',') : v;
      if (s) next.set(k, s);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const typeOptions = (catalog?.request_types ?? []).map((t) => ({ value: t.id, label: t.name }));
  const categoryOptions = (catalog?.request_types ?? [])
    .filter((t) => !filters.case_type?.length || filters.case_type.includes(t.id))
    .flatMap((t) => t.categories.map((c) => ({ value: c.id, label: `${c.name} (${typeName(t.id)})` })));
  const accountOptions = (user?.accounts ?? []).map((a) => ({ value: a.id, label: a.name || a.id }));
  const exportFilters: CaseFilters = { ...filters };

  const rows = page.data?.data ?? [];
  const hasNext = Boolean(page.data?.meta.has_more && page.data.meta.after_cursor);

  return (
    <div className="support">
      <h1>Support</h1>
      <div className="support-layout">
        <section aria-labelledby="filters-heading" className="panel filters">
          <h2 id="filters-heading">Filters</h2>
          <CheckboxGroup
            legend="Status"
            options={CASE_STATES.map((s) => ({ value: s, label: STATE_LABEL[s] }))}
            value={filters.state ?? []}
            onChange={(v) => update({ state: v })}
          />
          <CheckboxGroup
            legend="Case type"
            options={typeOptions}
            value={filters.case_type ?? []}
            onChange={(v) => {
              // Keep only the categories of the chosen types.
              const allowed = new Set(
                (catalog?.request_types ?? []).filter((t) => !v.length || v.includes(t.id)).flatMap((t) => t.categories.map((c) => c.id)),
              );
              update({ case_type: v, category: (filters.category ?? []).filter((c) => allowed.has(c)) });
            }}
          />
          <CheckboxGroup legend="Category" options={categoryOptions} value={filters.category ?? []} onChange={(v) => update({ category: v })} />
          {isStaff ? (
            <TextField
              label="Account"
              hint="Account ids, separated by commas"
              defaultValue={(filters.account_id ?? []).join(', ')}
              key={(filters.account_id ?? []).join(',')}
              onBlur={(e) => update({ account_id: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) })}
              onKeyDown={(e) => {
                if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
              }}
            />
          ) : (
            accountOptions.length > 1 && (
              <CheckboxGroup legend="Account" options={accountOptions} value={filters.account_id ?? []} onChange={(v) => update({ account_id: v })} />
            )
          )}
          <button type="button" className="btn" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        </section>

        <section aria-labelledby="cases-heading" className="panel case-list">
          <div className="list-toolbar">
            <h2 id="cases-heading">Cases</h2>
            <label className="inline-field">
              Sort by{' '}
              <select value={filters.sort} onChange={(e) => update({ sort: e.target.value === 'opened' ? 'opened' : '' })}>
                <option value="updated">Last updated</option>
                <option value="opened">Opened</option>
              </select>
            </label>
            <a className="btn" href={cases.exportUrl(exportFilters)} download="cases.csv">
              Export
            </a>
          </div>
          {page.loading && <Loading />}
          <ErrorAlert error={page.error ?? undefined} />
          {page.data && (
            <>
              <p className="count" data-testid="case-count">
                {page.data.meta.total !== undefined
                  ? `${page.data.meta.total} matching ${page.data.meta.total === 1 ? 'case' : 'cases'}; showing ${rows.length}`
                  : `Showing ${rows.length} ${rows.length === 1 ? 'case' : 'cases'}`}
              </p>
              {rows.length > 0 ? (
                <CaseTable
                  rows={rows}
                  caption="Cases"
                  columns={['subject', 'state', 'account', 'service_address', 'case_type', 'category', 'updated', 'opened', 'resolved', 'opened_by']}
                  headOverrides={{ state: 'Status' }}
                />
              ) : (
                <p>{hasNext ? 'No cases on this page; more may follow. Use Next to go on.' : 'No cases match these filters.'}</p>
              )}
              <Pager
                label="Case pages"
                hasPrevious={stack.length > 1}
                hasNext={hasNext}
                busy={page.loading}
                onPrevious={() => setCursors({ key, stack: stack.slice(0, -1) })}
                onNext={() => setCursors({ key, stack: [...stack, page.data!.meta.after_cursor] })}
                size={filters.size}
                onSize={(n) => update({ size: n === 25 ? '' : String(n) })}
              />
            </>
          )}
        </section>
      </div>
    </div>
  );
}
