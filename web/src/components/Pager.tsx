/** Previous / Next over cursor pages, with the page size. */
export function Pager({
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  size,
  onSize,
  busy,
  label = 'Pages',
}: {
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  size?: number;
  onSize?: (n: number) => void;
  busy?: boolean;
  label?: string;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="btn" disabled={!hasPrevious || busy} onClick={onPrevious}>
        Previous
      </button>
      <button type="button" className="btn" disabled={!hasNext || busy} onClick={onNext}>
        Next
      </button>
      {onSize && (
        <label className="pager-size">
          Page size{' '}
          <select value={size} onChange={(e) => onSize(Number(e.target.value))}>
            {[10, 25, 50, 100].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      )}
    </nav>
  );
}
