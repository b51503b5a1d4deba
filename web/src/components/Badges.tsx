import type { ServiceState } from '../api/types';
import { SERVICE_LABEL, stateLabel } from '../lib/format';

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-state-${state.toLowerCase()}`}>{stateLabel(state)}</span>;
}

const ICON: Record<ServiceState, string> = {
  OPERATIONAL: '✓',
  DEGRADED: '!',
  OUTAGE: '✕',
  MAINTENANCE: '⚙',
};

export function ServiceBadge({ status }: { status: ServiceState }) {
  return (
    <span className={`badge badge-service-${status.toLowerCase()}`}>
      <span aria-hidden="true">{ICON[status] ?? ''} </span>
      {SERVICE_LABEL[status] ?? status}
    </span>
  );
}
