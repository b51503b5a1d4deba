import type { CaseDetail } from '../../api/types';
import { useCatalog } from '../../context/CatalogContext';
import { accountLabel, formatDateTime } from '../../lib/format';
import { StateBadge } from '../Badges';

export function CaseFields({ c }: { c: CaseDetail }) {
  const { typeName, categoryName, findCategory } = useCatalog();
  const catFields = findCategory(c.case_type, c.category)?.fields ?? [];
  const extra = Object.entries(c.fields ?? {});
  const label = (k: string) => catFields.find((f) => f.key === k)?.label ?? k.replace(/_/g, ' ');
  const rows: [string, React.ReactNode][] = [
    ['Number', c.number],
    ['State', <StateBadge key="s" state={c.state} />],
    ['Account', accountLabel(c)],
    ['Service Address', c.service_address || '—'],
    ['Case Type', typeName(c.case_type)],
    ['Category', categoryName(c.case_type, c.category)],
    ['Opened', formatDateTime(c.opened_at)],
    ['Last updated', formatDateTime(c.updated_at)],
    ['Resolved', formatDateTime(c.resolved_at)],
    ['Opened By', c.opened_by?.display_name ?? '—'],
    ...extra.map(([k, v]): [string, React.ReactNode] => [label(k), v]),
  ];
  return (
    <>
      <dl className="case-fields">
        {rows.map(([k, v]) => (
          <div key={k} className="case-field">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h2 className="section-title">Description</h2>
      <p className="case-description">{c.description}</p>
      {c.resolution && (c.state === 'RESOLVED' || c.state === 'CLOSED') && (
        <>
          <h2 className="section-title">Resolution</h2>
          <p className="case-description">{c.resolution}</p>
        </>
      )}
    </>
  );
}
