import type { ActivityItem } from '../api/types';
import { stateLabel } from './format';

/** What an activity item did, in words: "added a comment", "resolved the case", … */
export function activityWhat(a: ActivityItem): string {
  switch (a.type) {
    case 'opened':
      return 'opened the case';
    case 'comment':
      return 'added a comment';
    case 'internal_note':
      return 'added an internal note';
    case 'attachment_added':
      return `attached ${a.file_name ?? 'a file'}`;
    case 'attachment_renamed':
      return `renamed ${a.previous_file_name ?? 'an attachment'} to ${a.file_name ?? ''}`.trim();
    case 'attachment_removed':
      return `removed the attachment ${a.file_name ?? ''}`.trim();
    case 'watcher_added':
      return `added ${a.email ?? 'a contact'} to the watch list`;
    case 'watcher_removed':
      return `removed ${a.email ?? 'a contact'} from the watch list`;
    case 'state_changed':
      if (a.to === 'RESOLVED') return 'resolved the case';
      if (a.to === 'CANCELLED') return 'cancelled the case';
      if (a.to === 'CLOSED') return 'closed the case';
      if (a.to === 'AWAITING_INFO') return 'asked for more information';
      if (a.from === 'RESOLVED' && a.to === 'OPEN') return 'reopened the case';
      if (a.from && a.to) return `changed the state from ${stateLabel(a.from)} to ${stateLabel(a.to)}`;
      return `changed the state to ${stateLabel(a.to ?? '')}`;
    default:
      return a.type.replace(/_/g, ' ');
  }
}

/** The text an item carries (comment body, resolution, reason, message). */
export function activityText(a: ActivityItem): string {
  return a.body ?? a.resolution ?? a.message ?? a.reason ?? '';
}
