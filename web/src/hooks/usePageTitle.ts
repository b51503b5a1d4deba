import { useEffect } from 'react';
import { usePortal } from '../context/PortalContext';

/** Sets the document title to "<page> — <product name>". */
export function usePageTitle(title: string): void {
  const { product_name } = usePortal();
  useEffect(() => {
    document.title = title ? `${title} — ${product_name}` : product_name;
  }, [title, product_name]);
}
