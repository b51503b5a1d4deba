import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { cases } from '../api/endpoints';
import type { Catalog, CatalogCategory, RequestType } from '../api/types';

// The catalog of request types and categories, loaded once per sign-in.

interface CatalogValue {
  catalog: Catalog | null;
  error: unknown;
  typeName: (id: string) => string;
  categoryName: (typeId: string, categoryId: string) => string;
  findType: (id: string) => RequestType | undefined;
  findCategory: (typeId: string, categoryId: string) => CatalogCategory | undefined;
}

const CatalogCtx = createContext<CatalogValue | null>(null);

export function CatalogProvider({ children }: { children: ReactNode }) {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let alive = true;
    cases
      .catalog()
      .then((c) => alive && setCatalog(c))
      .catch((e) => alive && setError(e));
    return () => {
      alive = false;
    };
  }, []);
  const value = useMemo<CatalogValue>(() => {
    const findType = (id: string) => catalog?.request_types.find((t) => t.id === id);
    const findCategory = (t: string, c: string) => findType(t)?.categories.find((x) => x.id === c);
    return {
      catalog,
      error,
      findType,
      findCategory,
      typeName: (id) => findType(id)?.name ?? id,
      categoryName: (t, c) => findCategory(t, c)?.name ?? c,
    };
  }, [catalog, error]);
  return <CatalogCtx.Provider value={value}>{children}</CatalogCtx.Provider>;
}

export function useCatalog(): CatalogValue {
  const v = useContext(CatalogCtx);
  if (!v) throw new Error('useCatalog outside CatalogProvider');
  return v;
}
