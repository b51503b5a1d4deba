import { NotFoundContent } from '../components/Layout';
import { usePageTitle } from '../hooks/usePageTitle';

export default function NotFound() {
  usePageTitle('Page not found');
  return <NotFoundContent />;
}
