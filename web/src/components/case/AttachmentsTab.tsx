import { useRef, useState, type FormEvent } from 'react';
import { upload } from '../../api/client';
import { cases } from '../../api/endpoints';
import type { Attachment, CaseDetail } from '../../api/types';
import { useSubmit } from '../../hooks/useSubmit';
import { formatBytes, formatDateTime } from '../../lib/format';
import { ErrorAlert } from '../Alerts';
import { Dialog } from '../Dialog';
import { TextField } from '../Field';
import { BusyButton } from '../SubmitButton';

function UploadForm({ number, onUploaded }: { number: string; onUploaded: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [fileError, setFileError] = useState('');
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFileError('');
    const file = input.current?.files?.[0];
    if (!file) {
      setFileError('Please choose a file');
      return;
    }
    setProgress(0);
    const ok = await s.run(async () => {
      await upload(`/cases/${encodeURIComponent(number)}/attachments`, file, setProgress).promise;
    }, ['file']);
    setProgress(null);
    if (ok) {
      if (input.current) input.current.value = '';
      onUploaded();
    }
  };
  return (
    <form onSubmit={submit} noValidate className="upload-form">
      <div className="field">
        <label htmlFor="attachment-file" className="field-label">
          File to attach
        </label>
        <input id="attachment-file" ref={input} type="file" aria-invalid={fileError || s.fieldErrors.file ? true : undefined} aria-describedby={fileError || s.fieldErrors.file ? 'attachment-file-error' : 'attachment-file-hint'} />
        <div id="attachment-file-hint" className="field-hint">
          Up to 25 MB.
        </div>
        {(fileError || s.fieldErrors.file) && (
          <div id="attachment-file-error" className="field-error">
            {fileError || s.fieldErrors.file}
          </div>
        )}
      </div>
      {progress !== null && (
        <div className="progress-wrap">
          <progress max={1} value={progress} aria-label="Upload progress" />
          <span>{Math.round(progress * 100)}%</span>
        </div>
      )}
      <ErrorAlert error={s.error} />
      <BusyButton busy={s.busy} busyText="Uploading…">
        Upload
      </BusyButton>
    </form>
  );
}

function RenameForm({ number, a, onDone, onCancel }: { number: string; a: Attachment; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(a.file_name);
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) {
      s.setFieldErrors({ file_name: 'Please enter a file name' });
      return;
    }
    const ok = await s.run(async () => {
      await cases.renameAttachment(number, a.id, name.trim());
    }, ['file_name']);
    if (ok) onDone();
  };
  return (
    <form onSubmit={submit} noValidate className="inline-form">
      <TextField label={`New name for ${a.file_name}`} value={name} autoFocus onChange={(e) => setName(e.target.value)} error={s.fieldErrors.file_name} />
      <ErrorAlert error={s.error} />
      <div className="form-actions">
        <BusyButton busy={s.busy} busyText="Saving…">
          Save name
        </BusyButton>
        <button type="button" className="btn" onClick={onCancel} disabled={s.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteDialog({ number, a, onDone, onClose }: { number: string; a: Attachment; onDone: () => void; onClose: () => void }) {
  const s = useSubmit();
  const del = async () => {
    const ok = await s.run(async () => {
      await cases.deleteAttachment(number, a.id);
    });
    if (ok) onDone();
  };
  return (
    <Dialog title="Delete attachment" onClose={onClose}>
      <p>
        Delete <strong>{a.file_name}</strong> from this case? This cannot be undone.
      </p>
      <ErrorAlert error={s.error} />
      <div className="form-actions">
        <BusyButton type="button" className="btn btn-danger" busy={s.busy} busyText="Deleting…" onClick={del}>
          Delete
        </BusyButton>
        <button type="button" className="btn" onClick={onClose} data-autofocus>
          Keep it
        </button>
      </div>
    </Dialog>
  );
}

export function AttachmentsTab({
  c,
  items,
  error,
  onChanged,
}: {
  c: CaseDetail;
  items: Attachment[] | undefined;
  error: unknown;
  onChanged: () => void;
}) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Attachment | null>(null);
  const final = c.state === 'CLOSED' || c.state === 'CANCELLED';
  return (
    <div className="attachments">
      <ErrorAlert error={error ?? undefined} />
      {items && items.length === 0 && <p>No attachments yet.</p>}
      {items && items.length > 0 && (
        <ul className="attachment-list">
          {items.map((a) => (
            <li key={a.id} className="attachment">
              <div className="attachment-main">
                <a href={cases.attachmentUrl(c.number, a.id)} download={a.file_name}>
                  {a.file_name}
                </a>
                <span className="attachment-meta">
                  {formatBytes(a.size_bytes)} · uploaded by {a.added_by.display_name} on {formatDateTime(a.added_at)}
                </span>
              </div>
              {!final && renaming !== a.id && (
                <div className="attachment-actions">
                  <button type="button" className="btn btn-small" onClick={() => setRenaming(a.id)} aria-label={`Rename ${a.file_name}`}>
                    Rename
                  </button>
                  <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setDeleting(a)} aria-label={`Delete ${a.file_name}`}>
                    Delete
                  </button>
                </div>
              )}
              {renaming === a.id && (
                <RenameForm
                  number={c.number}
                  a={a}
                  onCancel={() => setRenaming(null)}
                  onDone={() => {
                    setRenaming(null);
                    onChanged();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {final ? (
        <p className="field-hint">Files cannot be added to a {c.state === 'CLOSED' ? 'closed' : 'cancelled'} case.</p>
      ) : (
        <UploadForm number={c.number} onUploaded={onChanged} />
      )}
      {deleting && (
        <DeleteDialog
          number={c.number}
          a={deleting}
          onClose={() => setDeleting(null)}
          onDone={() => {
            setDeleting(null);
            onChanged();
          }}
        />
      )}
    </div>
  );
}
