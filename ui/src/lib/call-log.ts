/** The Calls view's filter and wording, kept pure so they are unit-tested. */
import type { CallLogEntry, CallLogFilter, CallLogOutcome, CallSummary } from './bindings';
import { clock } from './call-display';

/** The filter form as the user sets it; dates are `YYYY-MM-DD` from `<input type="date">`, empty for none. */
export interface LogForm {
  direction: 'all' | 'inbound' | 'outbound';
  outcome: 'all' | CallLogOutcome;
  from: string;
  to: string;
  search: string;
}

export const EMPTY_FORM: LogForm = { direction: 'all', outcome: 'all', from: '', to: '', search: '' };

/** How many calls the view lists (the summary counts every match). */
export const LOG_LIMIT = 200;

/** Local midnight of `YYYY-MM-DD`, `days` later, in Unix seconds; `null` for no date. */
export function dayStart(date: string, days = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return Math.floor(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime() / 1000);
}

/** The digits of a search ("(415) 555" finds +1415555…); `null` for none. */
export function searchDigits(text: string): string | null {
  const digits = text.replace(/\D/g, '');
  return digits === '' ? null : digits;
}

/** What is wrong with the form, if anything (a range that ends before it starts). */
export function formProblem(form: LogForm): string | null {
  const since = dayStart(form.from);
  const until = dayStart(form.to, 1);
  if (since !== null && until !== null && since >= until) return 'The “from” date is after the “to” date.';
  return null;
}

/** The `call_log` filter of a form: the `to` day is included (`until` is the next midnight, exclusive). */
export function logFilter(form: LogForm, limit: number | null = LOG_LIMIT): CallLogFilter {
  return {
    direction: form.direction === 'all' ? null : form.direction,
    outcome: form.outcome === 'all' ? null : form.outcome,
    since: dayStart(form.from),
    until: dayStart(form.to, 1),
    number: searchDigits(form.search),
    hide_to: null,
    limit,
  };
}

/** The filter of the dialer's recent calls. */
export function recentFilter(count = 5): CallLogFilter {
  return { ...logFilter(EMPTY_FORM, count) };
}

/** A call's length: `m:ss`, `—` when it never connected. */
export function durationText(seconds: number | null): string {
  return seconds === null || seconds <= 0 ? '—' : clock(seconds * 1000);
}

/** An amount of money, as the user's locale writes it in `unit` (an ISO currency). */
export function money(amount: number, unit: string | null, maxDigits = 2): string {
  const currency = (unit ?? 'USD').toUpperCase();
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: maxDigits }).format(amount);
  } catch {
    return `${amount.toFixed(maxDigits)} ${currency}`;
  }
}

/** What a call cost (Twilio reports it negative, to the tenth of a cent), `—` when not billed yet. */
export function priceText(price: string | null, unit: string | null): string {
  if (price === null || price.trim() === '') return '—';
  const amount = Math.abs(Number(price));
  if (!Number.isFinite(amount)) return price;
  return money(amount, unit, 4);
}

/** The summary bar's figures. */
export function summaryFigures(s: CallSummary): { label: string; value: string; testid: string }[] {
  return [
    { label: 'Calls', value: s.total.toLocaleString('en-US'), testid: 'summary-total' },
    { label: 'Incoming', value: s.inbound.toLocaleString('en-US'), testid: 'summary-inbound' },
    { label: 'Outgoing', value: s.outbound.toLocaleString('en-US'), testid: 'summary-outbound' },
    { label: 'Missed', value: s.missed.toLocaleString('en-US'), testid: 'summary-missed' },
    { label: 'Avg. length', value: s.average_duration === null ? '—' : clock(Math.round(s.average_duration) * 1000), testid: 'summary-average' },
    { label: 'Total cost', value: s.total_cost === null ? '—' : money(s.total_cost, s.cost_unit), testid: 'summary-cost' },
  ];
}

/** The outcome badge. */
export function outcomeLabel(outcome: CallLogOutcome): { text: string; tone: 'ok' | 'danger' | 'plain' } {
  switch (outcome) {
    case 'answered':
      return { text: 'Answered', tone: 'ok' };
    case 'missed':
      return { text: 'Missed', tone: 'danger' };
    case 'unanswered':
      return { text: 'Not answered', tone: 'plain' };
  }
}

const STATUS: Record<string, string> = {
  completed: 'Completed',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Failed',
  canceled: 'Cancelled',
  'in-progress': 'In progress',
  ringing: 'Ringing',
  queued: 'Queued',
};

/** Twilio's status in words. */
export function statusText(status: string): string {
  return STATUS[status] ?? status;
}

/** Who the call was with. */
export function remoteLabel(entry: Pick<CallLogEntry, 'remote' | 'remote_display'>): string {
  return entry.remote_display ?? entry.remote ?? 'Unknown number';
}

/** The number to call back, when there is one (not a `client:` address or an anonymous caller). */
export function callBackNumber(entry: Pick<CallLogEntry, 'remote'>): string | null {
  return entry.remote && /^\+\d{6,15}$/.test(entry.remote) ? entry.remote : null;
}
