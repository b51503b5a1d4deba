import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { portal } from '../api/endpoints';
import type { PortalConfig } from '../api/types';

// Branding from GET /api/v1/portal (public); defaults until it answers, and
// for good if it fails. Colours become CSS custom properties on <html> via
// the CSSOM, which the Content-Security-Policy allows.

export const DEFAULT_PORTAL: PortalConfig = {
  product_name: 'Customer Portal',
  provider_name: 'Your provider',
  logo_url: '/branding/logo.svg',
  colors: {
    primary: '#0b5cad',
    primary_text: '#ffffff',
    accent: '#0a7a5a',
    background: '#f5f7fa',
    text: '#1a2330',
  },
  links: [],
};

const PortalCtx = createContext<PortalConfig>(DEFAULT_PORTAL);

const COLOR_VARS: Record<string, string> = {
  primary: '--color-primary',
  primary_text: '--color-primary-text',
  accent: '--color-accent',
  background: '--color-background',
  text: '--color-text',
};

function applyColors(colors: PortalConfig['colors']): void {
  const root = document.documentElement;
  for (const [key, value] of Object.entries(colors ?? {})) {
    const v = COLOR_VARS[key];
    if (v && typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$|^rgb|^hsl/.test(value)) {
      root.style.setProperty(v, value);
    }
  }
}

export function PortalProvider({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<PortalConfig>(DEFAULT_PORTAL);
  useEffect(() => {
    let alive = true;
    portal
      .config()
      .then((c) => {
        if (!alive || !c) return;
        const merged: PortalConfig = {
          ...DEFAULT_PORTAL,
          ...c,
          colors: { ...DEFAULT_PORTAL.colors, ...(c.colors ?? {}) },
          links: Array.isArray(c.links) ? c.links : [],
        };
        setConfig(merged);
        applyColors(merged.colors);
      })
      .catch(() => {
        // keep the defaults
      });
    return () => {
      alive = false;
    };
  }, []);
  return <PortalCtx.Provider value={config}>{children}</PortalCtx.Provider>;
}

export function usePortal(): PortalConfig {
  return useContext(PortalCtx);
}
