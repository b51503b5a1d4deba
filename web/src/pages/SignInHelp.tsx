import { Link } from 'react-router-dom';
import { usePageTitle } from '../hooks/usePageTitle';

export default function SignInHelp() {
  usePageTitle('Need help signing in?');
  return (
    <section className="auth-card">
      <h1>Need help signing in?</h1>
      <ul className="choice-list">
        <li>
          <Link to="/forgot-password">Forgot password?</Link>
          <p>We e-mail you a link to choose a new password.</p>
        </li>
        <li>
          <Link to="/unlock-account">Unlock account?</Link>
          <p>Too many failed sign-ins lock your account; we e-mail you a link to unlock it.</p>
        </li>
        <li>
          <Link to="/cant-access-email">Can't access email</Link>
          <p>Tell us who you are and our support team will help you get back in.</p>
        </li>
      </ul>
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
