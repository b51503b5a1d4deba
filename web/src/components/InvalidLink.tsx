import { Link } from 'react-router-dom';
import { ApiError, describeError } from '../api/problem';

/** What an invalid or expired e-mailed link shows, with a way to get a new one. */
export function InvalidLink({ error, again, againLabel }: { error: unknown; again: string; againLabel: string }) {
  const network = error && !(error instanceof ApiError);
  return (
    <div role="alert" className="alert alert-error">
      <p>
        {network
          ? describeError(error)
          : 'This link is invalid or has expired. Links work once and only for a limited time.'}
      </p>
      <p>
        <Link to={again}>{againLabel}</Link>
      </p>
    </div>
  );
}
