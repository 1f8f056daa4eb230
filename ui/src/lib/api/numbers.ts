/** Phone numbers: the account's own, searching, buying, changing and releasing them. */
import { call } from '../backend';
import type { NumberChange, NumberSearch, OwnedNumber, SearchResult } from '../bindings';

export function listNumbers(): Promise<OwnedNumber[]> {
  return call('list_numbers', {});
}

export function searchNumbers(search: NumberSearch): Promise<SearchResult> {
  return call('search_numbers', { search });
}

/** Buys `phoneNumber`; `wire` routes its calls to Switchboard at once. */
export function buyNumber(phoneNumber: string, friendlyName: string | null, wire: boolean): Promise<OwnedNumber> {
  return call('buy_number', { phone_number: phoneNumber, friendly_name: friendlyName, wire });
}

export function updateNumber(sid: string, change: NumberChange): Promise<OwnedNumber> {
  return call('update_number', { sid, change });
}

/** Releases the number; `typed` is what the user typed to confirm it. */
export async function releaseNumber(sid: string, typed: string): Promise<void> {
  await call('release_number', { sid, typed });
}
