import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { accounts, cases } from '../api/endpoints';
import type { Account, CatalogCategory, RequestType } from '../api/types';
import { ErrorAlert, Loading } from '../components/Alerts';
import { SelectField, TextArea, TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { useCatalog } from '../context/CatalogContext';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';

type Step = 1 | 2 | 3;

/** Radio buttons drawn as tiles: one choice of several. */
function TileChoice<T extends { id: string; name: string }>({
  legend,
  name,
  items,
  value,
  onChange,
}: {
  legend: string;
  name: string;
  items: T[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <fieldset className="tile-choice">
      <legend className="visually-hidden">{legend}</legend>
      <div className="tiles">
        {items.map((it) => (
          <label key={it.id} className={`tile tile-radio ${value === it.id ? 'tile-selected' : ''}`}>
            <input type="radio" name={name} value={it.id} checked={value === it.id} onChange={() => onChange(it.id)} />
            <span className="tile-title">{it.name}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function CaseWizard() {
  usePageTitle('Create Support Case');
  const { catalog, error: catalogError, findType } = useCatalog();
  const { user, isStaff } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const service = params.get('service') ?? '';
  const initialType = params.get('type') ?? (service ? 'technical-support' : '');

  const [step, setStep] = useState<Step>(initialType ? 2 : 1);
  const [typeId, setTypeId] = useState(initialType);
  const [categoryId, setCategoryId] = useState(params.get('category') ?? '');
  const [accountId, setAccountId] = useState(user?.accounts[0]?.id ?? '');
  const [account, setAccount] = useState<Account | null>(null);
  const [serviceAddress, setServiceAddress] = useState('');
  const [subject, setSubject] = useState(service ? `Issue with ${service}` : '');
  const [description, setDescription] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [stepError, setStepError] = useState('');
  const s = useSubmit();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  const type: RequestType | undefined = findType(typeId);
  const category: CatalogCategory | undefined = type?.categories.find((c) => c.id === categoryId);

  // An unknown ?type= falls back to choosing the type.
  useEffect(() => {
    if (catalog && typeId && !type) {
      setTypeId('');
      setStep(1);
    }
  }, [catalog, typeId, type]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [step]);

  // The chosen account's service addresses, when the API tells them.
  useEffect(() => {
    setAccount(null);
    if (!accountId) return;
    let alive = true;
    const t = setTimeout(() => {
      accounts
        .get(accountId)
        .then((a) => alive && setAccount(a))
        .catch(() => alive && setAccount(null));
    }, isStaff ? 400 : 0);
    return () => {
      alive = false;
      clearTimeout(t);
    };
  }, [accountId, isStaff]);

  const next = (to: Step) => {
    setStepError('');
    if (to === 2 && !typeId) {
      setStepError('Please choose a request type');
      return;
    }
    if (to === 3 && !categoryId) {
      setStepError('Please choose a category');
      return;
    }
    setStep(to);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!accountId.trim()) errs.account_id = 'Please choose an account';
    if (!subject.trim()) errs.subject = 'Please enter a subject';
    if (!description.trim()) errs.description = 'Please describe the problem or request';
    for (const f of category?.fields ?? []) {
      if (f.required && !(fields[f.key] ?? '').trim()) errs[`fields.${f.key}`] = `Please enter the ${f.label.toLowerCase()}`;
    }
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    const extra = Object.fromEntries(
      Object.entries(fields)
        .map(([k, v]) => [k, v.trim()])
        .filter(([k, v]) => v && category?.fields.some((f) => f.key === k)),
    );
    const known = ['account_id', 'subject', 'description', 'service_address', ...(category?.fields ?? []).map((f) => `fields.${f.key}`)];
    await s.run(async () => {
      const created = await cases.create({
        account_id: accountId.trim(),
        case_type: typeId,
        category: categoryId,
        subject: subject.trim(),
        description: description.trim(),
        ...(serviceAddress.trim() ? { service_address: serviceAddress.trim() } : {}),
        ...(Object.keys(extra).length ? { fields: extra } : {}),
      });
      navigate(`/cases/${created.number}`);
    }, known);
  };

  if (!catalog) {
    return (
      <div>
        <h1>Create Support Case</h1>
        {catalogError ? <ErrorAlert error={catalogError} /> : <Loading />}
      </div>
    );
  }

  const addresses = account?.service_addresses ?? [];
  return (
    <div className="case-new">
      <h1>Create Support Case</h1>
      <ol className="steps" aria-label="Steps">
        {['Request type', 'Category', 'Details'].map((label, i) => (
          <li key={label} className={step === i + 1 ? 'step-current' : ''} aria-current={step === i + 1 ? 'step' : undefined}>
            {label}
          </li>
        ))}
      </ol>

      {step === 1 && (
        <section className="panel" aria-labelledby="step-heading">
          <h2 id="step-heading" ref={heading} tabIndex={-1}>
            Step 1 of 3: What do you need help with?
          </h2>
          <TileChoice legend="Request type" name="request-type" items={catalog.request_types} value={typeId} onChange={(id) => {
            if (id !== typeId) setCategoryId('');
            setTypeId(id);
            setStepError('');
          }} />
          <ErrorAlert>{stepError || undefined}</ErrorAlert>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={() => next(2)}>
              Next
            </button>
          </div>
        </section>
      )}

      {step === 2 && type && (
        <section className="panel" aria-labelledby="step-heading">
          <h2 id="step-heading" ref={heading} tabIndex={-1}>
            Step 2 of 3: {type.name} — choose a category
          </h2>
          <TileChoice legend="Category" name="category" items={type.categories} value={categoryId} onChange={(id) => {
            setCategoryId(id);
            setStepError('');
          }} />
          <ErrorAlert>{stepError || undefined}</ErrorAlert>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => next(1)}>
              Back
            </button>
            <button type="button" className="btn btn-primary" onClick={() => next(3)}>
              Next
            </button>
          </div>
        </section>
      )}

      {step === 3 && type && category && (
        <section className="panel" aria-labelledby="step-heading">
          <h2 id="step-heading" ref={heading} tabIndex={-1}>
            Step 3 of 3: {type.name} — {category.name}
          </h2>
          <p className="field-hint">Fields marked * are required.</p>
          <form onSubmit={submit} noValidate className="case-form">
            {isStaff ? (
              <TextField label="Account" required value={accountId} onChange={(e) => setAccountId(e.target.value)} error={s.fieldErrors.account_id} hint="The account id, e.g. ACC-1001" />
            ) : (
              <SelectField label="Account" required value={accountId} onChange={(e) => setAccountId(e.target.value)} error={s.fieldErrors.account_id}>
                {(user?.accounts ?? []).length === 0 && <option value="">No account</option>}
                {(user?.accounts ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.account_number})
                  </option>
                ))}
              </SelectField>
            )}
            {addresses.length > 0 ? (
              <SelectField label="Service address" value={serviceAddress} onChange={(e) => setServiceAddress(e.target.value)} error={s.fieldErrors.service_address}>
                <option value="">Not about one address</option>
                {addresses.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </SelectField>
            ) : (
              <TextField label="Service address" value={serviceAddress} onChange={(e) => setServiceAddress(e.target.value)} error={s.fieldErrors.service_address} autoComplete="street-address" />
            )}
            <TextField label="Subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} error={s.fieldErrors.subject} />
            <TextArea label="Description" required rows={6} value={description} onChange={(e) => setDescription(e.target.value)} error={s.fieldErrors.description} />
            {category.fields.map((f) => (
              <TextField
                key={f.key}
                label={f.label}
                required={f.required}
                value={fields[f.key] ?? ''}
                onChange={(e) => setFields({ ...fields, [f.key]: e.target.value })}
                error={s.fieldErrors[`fields.${f.key}`]}
              />
            ))}
            <ErrorAlert error={s.error} />
            <div className="form-actions">
              <button type="button" className="btn" onClick={() => next(2)} disabled={s.busy}>
                Back
              </button>
              <BusyButton busy={s.busy} busyText="Submitting…">
                Submit
              </BusyButton>
            </div>
          </form>
        </section>
      )}
    </div>
  );
}

/** A new query (e.g. another request type) starts the wizard afresh. */
export default function CaseNew() {
  const { search } = useLocation();
  return <CaseWizard key={search} />;
}
