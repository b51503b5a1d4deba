import { LoginLinkForm } from '../components/LoginLinkForm';
import { auth } from '../api/endpoints';
import { usePageTitle } from '../hooks/usePageTitle';

export default function UnlockAccount() {
  usePageTitle('Unlock account?');
  return (
    <LoginLinkForm
      title="Unlock account?"
      intro="Enter your username or e-mail address. If the account is locked, we e-mail you how to unlock it."
      submitLabel="Send unlock link"
      send={auth.unlock}
    />
  );
}
