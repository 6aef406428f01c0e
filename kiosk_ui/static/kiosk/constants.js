// The kiosk's shared constants: storage keys, polling intervals, the closed statuses.
export const SESSION_KEY = 'cact.kiosk.session';
export const POSITION_PREFIX = 'cact.kiosk.position.';
export const FONT_KEY = 'cact.kiosk.font';
export const HEARTBEAT_MS = 15000;
export const PAUSED_POLL_MS = 3000;
export const STILL_OPEN_RETRY_MS = 2000;
export const SUBMIT_FLUSH_MS = 10000;
// The closed attempt statuses (cact/exam/statuses.py CLOSED_ATTEMPT), shared with the dashboard.
export const FINISHED = ['submitted', 'expired', 'terminated'];
// Screens that stay up while the connection is down; anything else gives way to "connecting".
export const SURVIVES_OUTAGE = ['exam', 'paused', 'transition', 'finished', 'finish-prompt', 'instructions'];
// Waiting for the proctor's start: the push channel moves the kiosk on; this slow retry (with
// jitter, so a room does not ask in step) is the fallback when the channel is down.
export const WAIT_RETRY_MS = 10000;
// A room-wide control reaches every kiosk at once; each asks for the state within this spread.
export const CONTROL_JITTER_MS = 1000;
// A room pause or resume carries the kiosk's new pause state: it is shown at once, and the
// kiosk confirms the exact time with a heartbeat within this wider spread (no herd).
export const RECONCILE_JITTER_MS = 4000;
