/** The S3 archive's settings. */
import { call } from '../backend';
import type { ArchiveSettings, ArchiveSettingsInput } from '../bindings';

export function archiveSettings(): Promise<ArchiveSettings | null> {
  return call('archive_settings', {});
}

/** Checks the bucket with the given key, then keeps the settings. */
export function saveArchiveSettings(input: ArchiveSettingsInput): Promise<ArchiveSettings> {
  return call('save_archive_settings', { input });
}

export async function clearArchiveSettings(): Promise<void> {
  await call('clear_archive_settings', {});
}
