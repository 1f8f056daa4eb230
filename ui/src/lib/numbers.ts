/** Wording and checks for the Numbers view, kept pure so they are unit-tested. */
import type { OwnedNumber, Routing, RoutingStatus } from './bindings';

/** The routing badge of an owned number. */
export function routingLabel(routing: Routing): { text: string; tone: 'ok' | 'plain' | 'warn' } {
  switch (routing.kind) {
    case 'switchboard':
      return { text: 'Switchboard', tone: 'ok' };
    case 'webhook':
      return { text: `Webhook · ${new URL(routing.url).host}`, tone: 'plain' };
    case 'forward':
      return { text: `Forwards to ${routing.to}`, tone: 'plain' };
    case 'application':
      return { text: 'TwiML App', tone: 'plain' };
    case 'none':
      return { text: 'Not set up', tone: 'warn' };
  }
}

/** "1.15 USD a month", or a plain note when Twilio's pricing did not answer. */
export function priceLabel(price: string | null, unit: string | null): string {
  if (!price) return 'price shown in the Twilio Console';
  const amount = Number(price);
  const shown = Number.isFinite(amount) ? amount.toFixed(2) : price;
  return `${shown} ${(unit ?? 'USD').toUpperCase()} a month`;
}

/** Whether what the user typed is the number (spaces, dashes, dots and brackets ignored). */
export function releaseConfirmed(typed: string, number: OwnedNumber): boolean {
  const digits = (s: string) => s.replace(/[\s\-.()]/g, '');
  const t = digits(typed);
  return t !== '' && (t === number.phone_number || `+${t}` === number.phone_number);
}

/** What the routing card says. */
export function routingSummary(status: RoutingStatus | null): string {
  if (!status) return 'Not deployed: calls to your numbers cannot reach this desktop or voicemail yet.';
  if (!status.code_current) return 'Deployed, but older than this version of Switchboard: redeploy to update it.';
  return 'Deployed: calls ring this desktop, then go to your greeting and voicemail.';
}

/** The capabilities of a number as a short list. */
export function capabilities(n: { voice: boolean; sms: boolean; mms: boolean }): string {
  return [n.voice && 'Voice', n.sms && 'SMS', n.mms && 'MMS'].filter(Boolean).join(' · ') || '—';
}
