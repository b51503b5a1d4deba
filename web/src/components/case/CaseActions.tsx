import { useState, type FormEvent } from 'react';
import { cases, type CaseAction } from '../../api/endpoints';
import type { CaseDetail, CaseState } from '../../api/types';
import { useSubmit } from '../../hooks/useSubmit';
import { ErrorAlert } from '../Alerts';
import { Dialog } from '../Dialog';
import { TextArea } from '../Field';
import { BusyButton } from '../SubmitButton';

interface ActionDef {
  action: CaseAction;
  label: string;
  busyText: string;
  /** States the action is allowed in (the case aggregate's rules). */
  from: CaseState[];
  who: 'customer' | 'staff';
  /** A dialog asking for text first: its field, label and whether required. */
  ask?: { key: string; label: string; required: boolean; title: string; confirm: string; intro?: string };
  danger?: boolean;
}

const ACTIONS: ActionDef[] = [
  { action: 'accept', label: 'Accept', busyText: 'Accepting…', from: ['NEW'], who: 'staff' },
  {
    action: 'request-info',
    label: 'Request info',
    busyText: 'Sending…',
    from: ['NEW', 'OPEN'],
    who: 'staff',
    ask: { key: 'message', label: 'What information is needed? (optional)', required: false, title: 'Request information', confirm: 'Request info' },
  },
  {
    action: 'resolve',
    label: 'Resolve',
    busyText: 'Resolving…',
    from: ['NEW', 'OPEN', 'AWAITING_INFO'],
    who: 'staff',
    ask: { key: 'resolution', label: 'Resolution', required: true, title: 'Resolve case', confirm: 'Resolve' },
  },
  { action: 'close', label: 'Close', busyText: 'Closing…', from: ['NEW', 'OPEN', 'AWAITING_INFO', 'RESOLVED'], who: 'staff' },
  {
    action: 'reopen',
    label: 'Reopen',
    busyText: 'Reopening…',
    from: ['RESOLVED'],
    who: 'staff',
    ask: { key: 'reason', label: 'Reason (optional)', required: false, title: 'Reopen case', confirm: 'Reopen' },
  },
  { action: 'accept-resolution', label: 'Accept resolution', busyText: 'Accepting…', from: ['RESOLVED'], who: 'customer' },
  {
    action: 'reject-resolution',
    label: 'Reject resolution',
    busyText: 'Sending…',
    from: ['RESOLVED'],
    who: 'customer',
    ask: { key: 'reason', label: 'Why is the problem not solved? (optional)', required: false, title: 'Reject resolution', confirm: 'Reject resolution' },
  },
  {
    action: 'cancel',
    label: 'Cancel Case',
    busyText: 'Cancelling…',
    from: ['NEW', 'OPEN', 'AWAITING_INFO'],
    who: 'customer',
    danger: true,
    ask: {
      key: 'reason',
      label: 'Reason (optional)',
      required: false,
      title: 'Cancel this case?',
      confirm: 'Cancel Case',
      intro: 'A cancelled case cannot be reopened.',
    },
  },
];

function AskDialog({
  def,
  c,
  onClose,
  onDone,
}: {
  def: ActionDef;
  c: CaseDetail;
  onClose: () => void;
  onDone: (c: CaseDetail) => void;
}) {
  const ask = def.ask!;
  const [text, setText] = useState('');
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (ask.required && !text.trim()) {
      s.setFieldErrors({ [ask.key]: `Please enter the ${ask.label.toLowerCase()}` });
      return;
    }
    let result: CaseDetail | null = null;
    const ok = await s.run(async () => {
      result = await cases.transition(c.number, def.action, text.trim() ? { [ask.key]: text.trim() } : {});
    }, [ask.key]);
    if (ok && result) onDone(result);
  };
  return (
    <Dialog title={ask.title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {ask.intro && <p>{ask.intro}</p>}
        <TextArea label={ask.label} required={ask.required} value={text} onChange={(e) => setText(e.target.value)} error={s.fieldErrors[ask.key]} data-autofocus />
        <ErrorAlert error={s.error} />
        <div className="form-actions">
          <BusyButton busy={s.busy} busyText={def.busyText} className={def.danger ? 'btn btn-danger' : 'btn btn-primary'}>
            {ask.confirm}
          </BusyButton>
          <button type="button" className="btn" onClick={onClose}>
            {def.action === 'cancel' ? 'Keep case' : 'Back'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The lifecycle buttons the viewer may use in the case's state. */
export function CaseActions({ c, isStaff, onChanged }: { c: CaseDetail; isStaff: boolean; onChanged: (c: CaseDetail) => void }) {
  const [open, setOpen] = useState<ActionDef | null>(null);
  const direct = useSubmit();
  const [running, setRunning] = useState<CaseAction | null>(null);
  const mine = ACTIONS.filter((a) => (a.who === 'staff' ? isStaff : !isStaff) && a.from.includes(c.state));
  if (mine.length === 0) return null;

  const run = async (def: ActionDef) => {
    if (def.ask) {
      setOpen(def);
      return;
    }
    setRunning(def.action);
    let result: CaseDetail | null = null;
    await direct.run(async () => {
      result = await cases.transition(c.number, def.action);
    });
    setRunning(null);
    if (result) onChanged(result);
  };

  return (
    <div className="case-actions" aria-label="Case actions" role="group">
      {mine.map((def) => (
        <BusyButton
          key={def.action}
          type="button"
          className={def.danger ? 'btn btn-danger-outline' : 'btn'}
          busy={running === def.action}
          busyText={def.busyText}
          disabled={running !== null}
          onClick={() => run(def)}
        >
          {def.label}
        </BusyButton>
      ))}
      <ErrorAlert error={direct.error} />
      {open && (
        <AskDialog
          def={open}
          c={c}
          onClose={() => setOpen(null)}
          onDone={(nc) => {
            setOpen(null);
            onChanged(nc);
          }}
        />
      )}
    </div>
  );
}
