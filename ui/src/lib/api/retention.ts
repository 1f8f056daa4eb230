/** The account's retention policy: what it keeps, a preview of a run, confirming and stopping it. */
import { call } from '../backend';
import type { RetentionLogEntry, RetentionPolicy, RetentionPreview, RetentionRun, RetentionStatus } from '../bindings';

export function retentionStatus(): Promise<RetentionStatus> {
  return call('retention_status', {});
}

/** Saves a policy; a changed one deletes nothing until confirmed. */
export function setRetention(policy: RetentionPolicy): Promise<RetentionStatus> {
  return call('set_retention', { policy });
}

/** Exactly what a run would delete now, listing at most `limit` items of each kind. */
export function retentionPreview(limit: number): Promise<RetentionPreview> {
  return call('retention_preview', { limit });
}

/** Confirms the previewed policy and runs it as of the preview. */
export function confirmRetention(preview: RetentionPreview): Promise<RetentionRun> {
  return call('confirm_retention', { as_of: preview.as_of, policy_updated_at: preview.policy.updated_at ?? 0 });
}

export function stopRetention(): Promise<RetentionStatus> {
  return call('stop_retention', {});
}

export function retentionLog(limit: number): Promise<RetentionLogEntry[]> {
  return call('retention_log', { limit });
}
