'use strict';

// Protected. Voice URL of the numbers Switchboard routes: rings every desktop client identity,
// registered SIP desktop and forwarding number in parallel; /inbound-status takes over when the Dial ends. With nobody
// to ring (or no usable configuration) the call goes straight to voicemail.

/* global Runtime, Twilio */

// In Twilio Functions private functions are reached through Runtime; tests require the file.
function schedule() {
  return typeof Runtime === 'undefined'
    ? require('./schedule')
    : require(Runtime.getFunctions().schedule.path);
}

exports.handler = function (context, event, callback) {
  const { readConfig } = schedule();
  const { config, reason } = readConfig(context);
  if (!config) console.warn(`switchboard: no routing configuration, voicemail only: ${reason}`);

  const twiml = new Twilio.twiml.VoiceResponse();
  const identities = config ? config.identities : [];
  const forward = config ? config.forward : [];
  const sip = config ? config.sip : [];
  if (identities.length === 0 && forward.length === 0 && sip.length === 0) {
    // No DialCallStatus on this request tells /inbound-status to take the voicemail branch.
    twiml.redirect({ method: 'POST' }, '/inbound-status');
    return callback(null, twiml);
  }

  const dial = twiml.dial({
    answerOnBridge: true,
    timeout: config.ring,
    action: '/inbound-status',
    method: 'POST',
  });
  for (const identity of identities) dial.client(identity);
  // The desktop learns which call rings it (for transfers and recordings) and which number
  // was called, from headers on the INVITE.
  const headers = [];
  if (/^CA[0-9a-f]{32}$/.test(event.CallSid || '')) headers.push(`X-Switchboard-Call=${event.CallSid}`);
  if (/^\+[1-9]\d{5,14}$/.test(event.To || '')) headers.push(`X-Switchboard-Called=${event.To}`);
  const suffix = headers.length ? `?${headers.join('&')}` : '';
  for (const uri of sip) dial.sip(uri + suffix);
  for (const number of forward) dial.number(number);
  return callback(null, twiml);
};
