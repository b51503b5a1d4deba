import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { portal } from '../api/endpoints';
import { ApiError } from '../api/problem';
import { useAuth } from '../context/AuthContext';
import { ErrorAlert, SuccessNote } from './Alerts';
import { Dialog } from './Dialog';
import { TextArea } from './Field';
import { BusyButton } from './SubmitButton';

export function FeedbackDialog({ onClose }: { onClose: () => void }) {
  const { user } = useAuth();
  const location = useLocation();
  const [message, setMessage] = useState('');
  const [rating, setRating] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState('');
  const [done, setDone] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError('');
    if (!message.trim()) {
      setFieldError('Please enter your feedback');
      return;
    }
    setBusy(true);
    try {
      await portal.sendFeedback({
        message: message.trim(),
        page: location.pathname,
        ...(rating ? { rating: Number(rating) } : {}),
      });
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.message) setFieldError(err.fieldErrors.message);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="Send Feedback" onClose={onClose}>
      {!user ? (
        <p>
          Please <Link to="/sign-in">sign in</Link> to send feedback.
        </p>
      ) : done ? (
        <>
          <SuccessNote>Thank you for your feedback</SuccessNote>
          <button type="button" className="btn btn-primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextArea
            label="Your feedback"
            required
            value={message}
            maxLength={4000}
            onChange={(e) => setMessage(e.target.value)}
            error={fieldError}
          />
          <fieldset className="rating">
            <legend>Rating (optional)</legend>
            {[1, 2, 3, 4, 5].map((n) => (
              <label key={n} className="rating-option">
                <input
                  type="radio"
                  name="rating"
                  value={n}
                  checked={rating === String(n)}
                  onChange={(e) => setRating(e.target.value)}
                />{' '}
                {n}
              </label>
            ))}
          </fieldset>
          <ErrorAlert error={error} />
          <div className="form-actions">
            <BusyButton busy={busy} busyText="Sending…">
              Send
            </BusyButton>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
