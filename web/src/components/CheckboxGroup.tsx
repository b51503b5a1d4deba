/** A fieldset of checkboxes choosing several values at once. */
export function CheckboxGroup({
  legend,
  options,
  value,
  onChange,
}: {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange: (v: string[]) => void;
}) {
  const toggle = (v: string, on: boolean) => {
    const next = on ? [...value, v] : value.filter((x) => x !== v);
    // keep the options' order
    onChange(options.map((o) => o.value).filter((x) => next.includes(x)));
  };
  return (
    <fieldset className="checkbox-group">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="check">
          <input type="checkbox" checked={value.includes(o.value)} onChange={(e) => toggle(o.value, e.target.checked)} />{' '}
          {o.label}
        </label>
      ))}
      {options.length === 0 && <p className="field-hint">None to choose from.</p>}
    </fieldset>
  );
}
