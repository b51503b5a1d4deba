import { LoginLinkForm } from '../components/LoginLinkForm';
import { auth } from '../api/endpoints';
import { usePageTitle } from '../hooks/usePageTitle';

export default function ForgotPassword() {
  usePageTitle('Forgot password?');
  return (
    <LoginLinkForm
      title="Forgot password?"
      intro="Enter your username or e-mail address. If it belongs to an account, we e-mail a link to choose a new password; the link works for 1 hour."
      submitLabel="Send reset link"
      send={auth.forgot}
    />
  );
}
