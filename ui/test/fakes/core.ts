/**
 * The core's calling commands for the unit tests, answering as `src/calling` does: the same
 * checks, messages and phases, each change also published as `call://state` (to `publish`) before
 * the command answers, as the Rust side does.
 */
import type { CallControl, CallSetup, CallView, Commands, IpcError } from '../../src/lib/bindings';
import type { Invoke } from '../../src/lib/dialer';
import { callView } from '../fixtures';

type Recorded = { cmd: keyof Commands; args: unknown };

const national = (e164: string) => e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3');

export class FakeCore {
  readonly calls: Recorded[] = [];
  readonly views = new Map<string, CallView>();
  /** What the next commands of a name (or `call_control:<action>`) throw, in turn. */
  readonly failures = new Map<string, IpcError[]>();
  /** Receives every published view (the dialer's `coreState`). */
  publish: (view: CallView) => void = () => {};
  tokens = 0;
  private rooms = 0;

  constructor(public setup: CallSetup) {}

  fail(name: string, ...errors: IpcError[]): void {
    this.failures.set(name, [...(this.failures.get(name) ?? []), ...errors]);
  }

  /** The commands sent, with their arguments, of one name. */
  sent<K extends keyof Commands>(cmd: K): Commands[K]['args'][] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args as Commands[K]['args']);
  }

  /** The controls sent to call_control. */
  controls(): CallControl['action'][] {
    return this.sent('call_control').map((a) => a.control.action);
  }

  /** A change Twilio brought (the core's poller): stored and published. */
  change(id: string, patch: Partial<CallView>): CallView {
    const before = this.views.get(id)!;
    const view = { ...before, ...patch, revision: before.revision + 1 };
    this.views.set(id, view);
    this.publish(view);
    return view;
  }

  end(id: string, reason: string): CallView {
    return this.change(id, { phase: 'ended', ended_at: Date.now(), end_reason: reason, notice: null });
  }

  /** A change start_call publishes before it answers with the (older) placed view. */
  progressBeforeAnswer: Partial<CallView> | null = null;

  readonly invoke: Invoke = async (cmd, args) => {
    this.calls.push({ cmd, args: structuredClone(args) });
    await Promise.resolve();
    const failure = this.failures.get(cmd)?.shift() ?? (cmd === 'call_control' ? this.failures.get(`call_control:${(args as Commands['call_control']['args']).control.action}`)?.shift() : undefined);
    if (failure) throw failure;
    return this.answer(cmd, args) as never;
  };

  private answer(cmd: keyof Commands, raw: unknown): unknown {
    switch (cmd) {
      case 'call_setup':
        return structuredClone(this.setup);
      case 'voice_token':
        this.tokens++;
        return { token: `jwt-${this.tokens}`, identity: this.setup.identity, expires_at: 1_800_000_000 + this.tokens * 3600 };
      case 'start_call': {
        const { request } = raw as Commands['start_call']['args'];
        if (request.to.replace(/\D/g, '').length < 5) {
          throw { code: 'invalid_input', message: `Number: "${request.to}" is too short to be a phone number; type the whole number, with its area code.` };
        }
        if (request.from && !this.setup.caller_ids.some((c) => c.number === request.from)) {
          throw { code: 'invalid_input', message: `Caller ID: ${request.from} is not one of this account's voice numbers; choose one of them.` };
        }
        this.rooms++;
        const remote = request.to.startsWith('+') ? request.to : `+1${request.to}`;
        const view = callView({ id: `sb-${String(this.rooms).padStart(32, '0')}`, engine: request.engine, remote, remote_display: national(remote), caller_id: request.from ?? this.setup.caller_id! });
        this.views.set(view.id, view);
        this.publish(view);
        // As the real core can: the call moves on, and its events arrive, before the answer.
        if (this.progressBeforeAnswer) this.change(view.id, this.progressBeforeAnswer);
        return view;
      }
      case 'attach_call': {
        const { id, call_sid } = raw as Commands['attach_call']['args'];
        this.live(id);
        return this.change(id, { you_sid: call_sid });
      }
      case 'incoming_call': {
        const { call_sid, from, to } = raw as Commands['incoming_call']['args'];
        const known = this.views.get(call_sid);
        if (known) return known;
        const view = callView({ id: call_sid, engine: 'webview', direction: 'inbound', remote: from, remote_display: national(from), caller_id: to, phase: 'ringing', you_sid: call_sid });
        this.views.set(call_sid, view);
        this.publish(view);
        return view;
      }
      case 'call_control': {
        const { id, control } = raw as Commands['call_control']['args'];
        return this.control(this.live(id), control);
      }
      case 'active_calls':
        return [...this.views.values()].filter((v) => v.phase !== 'ended');
      default:
        throw { code: 'internal', message: `The fake core has no ${cmd}.` };
    }
  }

  private live(id: string): CallView {
    const view = this.views.get(id);
    if (!view || view.phase === 'ended') throw { code: 'not_found', message: `There is no live call "${id}"; it may have ended already.` };
    return view;
  }

  /** A call rings the app's SIP line: the core tracks it and publishes it (no `incoming_call`). */
  ringSip(id: string, from: string): CallView {
    const view = callView({ id, engine: 'sip', direction: 'inbound', remote: from, remote_display: national(from), caller_id: this.setup.caller_id!, phase: 'ringing' });
    this.views.set(id, view);
    this.publish(view);
    return view;
  }

  private control(view: CallView, control: CallControl): CallView {
    const invalid = (message: string) => ({ code: 'invalid_input', message }) satisfies IpcError;
    const sipInbound = view.engine === 'sip' && view.direction === 'inbound';
    switch (control.action) {
      case 'answer':
        // The line answers on its own task; the core publishes in_progress once the sound is open.
        if (!sipInbound || view.phase !== 'ringing') throw invalid("Only an incoming call ringing the app's SIP line is answered here; the window answers its own.");
        return view;
      case 'hangup': {
        const reason = view.direction === 'inbound' && view.phase === 'ringing' ? 'Declined.' : view.phase === 'in_progress' ? 'You hung up.' : 'Cancelled.';
        return this.end(view.id, reason);
      }
      case 'left':
        return this.end(view.id, control.reason ?? (view.direction === 'inbound' ? 'The call ended.' : "The app's connection to the call ended."));
      case 'hold':
      case 'resume':
        if (sipInbound && view.phase !== 'in_progress') throw invalid('You can hold once the call is answered.');
        if (sipInbound) return this.change(view.id, { on_hold: control.action === 'hold' });
        if (view.direction === 'inbound') throw invalid('Hold works on calls placed from Switchboard; this call rang the app directly.');
        if (view.phase !== 'in_progress') throw invalid('You can hold once the other party has answered.');
        return this.change(view.id, { on_hold: control.action === 'hold' });
      case 'mute':
        return this.change(view.id, { muted: control.on });
      case 'transfer':
        if (view.phase !== 'in_progress') throw invalid('You can transfer once the other party has answered.');
        return this.end(view.id, `Transferred to ${national(control.to.startsWith('+') ? control.to : `+1${control.to}`)}.`);
      case 'digits':
        if (sipInbound) return view;
        if (view.direction === 'inbound') throw invalid('Digits on an incoming call go through the app\u2019s own connection (the keypad sends them).');
        if (view.phase !== 'in_progress') throw invalid('You can send digits once the other party has answered.');
        return view;
      case 'start_recording':
        if (view.phase !== 'in_progress') throw invalid('Recording starts once the call is connected.');
        return this.change(view.id, { recording: 'on' });
      case 'pause_recording':
      case 'resume_recording':
      case 'stop_recording':
        if (view.recording === 'off') throw invalid('The call is not being recorded.');
        return this.change(view.id, { recording: control.action === 'pause_recording' ? 'paused' : control.action === 'resume_recording' ? 'on' : 'off' });
    }
  }
}
