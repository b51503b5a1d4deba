import { useSyncExternalStore } from 'react';
import { connectionLost, subscribeConnection } from '../api/connection';

export function useConnectionLost(): boolean {
  return useSyncExternalStore(subscribeConnection, connectionLost, () => false);
}
