import { Link } from 'react-router-dom';
import type { CaseSummary } from '../api/types';
import { useCatalog } from '../context/CatalogContext';
import { accountLabel, formatDateTime } from '../lib/format';
import { StateBadge } from './Badges';

export type CaseColumn =
  | 'state'
  | 'number'
  | 'subject'
  | 'account'
  | 'service_address'
  | 'case_type'
  | 'category'
  | 'updated'
  | 'opened'
  | 'resolved'
  | 'opened_by';

const HEAD: Record<CaseColumn, string> = {
  state: 'State',
  number: 'Number',
  subject: 'Title',
  account: 'Account',
  service_address: 'Service Address',
  case_type: 'Case Type',
  category: 'Category',
  updated: 'Last updated',
  opened: 'Opened',
  resolved: 'Resolved',
  opened_by: 'Opened By',
};

const NOWRAP = new Set<CaseColumn>(['state', 'number', 'updated', 'opened', 'resolved']);

/**
 * A table of cases. On narrow screens it scrolls sideways inside a focusable
 * region. The number (or the title, when there is no number column) links
 * to the case.
 */
export function CaseTable({
  rows,
  columns,
  caption,
  headOverrides,
}: {
  rows: CaseSummary[];
  columns: CaseColumn[];
  caption: string;
  headOverrides?: Partial<Record<CaseColumn, string>>;
}) {
  const { typeName, categoryName } = useCatalog();
  const linkCol: CaseColumn = columns.includes('number') ? 'number' : 'subject';

  const cell = (c: CaseSummary, col: CaseColumn) => {
    switch (col) {
      case 'state':
        return <StateBadge state={c.state} />;
      case 'number':
        return c.number;
      case 'subject':
        return c.subject;
      case 'account':
        return accountLabel(c);
      case 'service_address':
        return c.service_address || '—';
      case 'case_type':
        return typeName(c.case_type);
      case 'category':
        return categoryName(c.case_type, c.category);
      case 'updated':
        return formatDateTime(c.updated_at);
      case 'opened':
        return formatDateTime(c.opened_at);
      case 'resolved':
        return formatDateTime(c.resolved_at);
      case 'opened_by':
        return c.opened_by?.display_name ?? '—';
    }
  };

  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table className="data-table case-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((col) => (
              <th key={col} scope="col">
                {headOverrides?.[col] ?? HEAD[col]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.number}>
              {columns.map((col) => (
                <td key={col} data-label={headOverrides?.[col] ?? HEAD[col]} className={NOWRAP.has(col) ? 'nowrap' : undefined}>
                  {col === linkCol ? <Link to={`/cases/${c.number}`}>{cell(c, col)}</Link> : cell(c, col)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
