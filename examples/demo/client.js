// The demo page's script: a plain browser module, inlined by pages.ts (no build step). It talks
// to the same JSON routes as any other client, builds the DOM with textContent only, and leaves
// the live notice to session-limiter/client.
/* global document */
import { watchSession } from '/session-limiter-client.js';

const $ = (id) => document.getElementById(id);
const notice = $('notice');
const form = $('signin-form');
let stopWatching = () => {};

function say(message) {
  notice.textContent = message || '';
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/login') {
    // The session is over: the answer says why (evicted, revoked, expired...).
    const error = data && data.error;
    signedOut(error && error.code !== 'UNAUTHENTICATED' ? error.message : '');
    return null;
  }
  return { status: res.status, data };
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
function ago(ms) {
  const seconds = Math.round((ms - Date.now()) / 1000);
  if (seconds > -45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes > -60) return relative.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours > -24) return relative.format(hours, 'hour');
  return relative.format(Math.round(hours / 24), 'day');
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function time(ms, text) {
  const node = el('time', text);
  node.dateTime = new Date(ms).toISOString();
  node.title = dateTime.format(ms);
  return node;
}

/** One row of the details: a term and its value. */
function detail(list, term, value) {
  list.append(el('dt', term));
  const dd = el('dd');
  dd.append(value);
  list.append(dd);
}

/**
 * One session, the same in the session list and the chooser: the device as a heading, then
 * kind, IP address, signed in and last active, and `action` (a button or "this device").
 */
function sessionItem(session, action) {
  const li = el('li', undefined, 'session');
  const title = el('h4', session.device.label, 'device');
  const details = el('dl', undefined, 'details');
  detail(details, 'Kind', session.device.kind);
  detail(details, 'IP address', session.device.ip || 'unknown');
  detail(details, 'Signed in', time(session.createdAt, dateTime.format(session.createdAt)));
  detail(details, 'Last active', time(session.lastSeenAt, ago(session.lastSeenAt)));
  const end = el('div', undefined, 'action');
  action(end, li);
  li.append(title, details, end);
  return li;
}

function button(text, label, onClick) {
  const b = el('button', text);
  b.type = 'button';
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  $('account').hidden = !signedIn;
}

function signedOut(message) {
  stopWatching();
  say(message);
  show(false);
}

async function loadSessions() {
  const r = await api('GET', '/api/sessions');
  if (!r || r.status !== 200) return;
  $('sessions').replaceChildren(
    ...r.data.sessions.map((s) =>
      sessionItem(s, (end, li) => {
        if (s.id === r.data.current) {
          end.append(el('span', 'This device', 'current'));
          li.setAttribute('aria-current', 'true');
        } else {
          end.append(
            button('Sign out', 'Sign out ' + s.device.label, async () => {
              await api('DELETE', '/api/sessions/' + encodeURIComponent(s.id));
              await loadSessions();
            }),
          );
        }
      }),
    ),
  );
}

function watch() {
  stopWatching();
  // The library's client: told the moment this session ends, here and in this browser's other tabs.
  stopWatching = watchSession({
    url: '/api/events',
    tabs: true,
    onRevoked: (revoked) => signedOut(revoked.message),
  });
}

async function showAccount() {
  const me = await api('GET', '/api/me');
  if (!me || me.status !== 200) return;
  $('who').textContent = me.data.user.name;
  $('plan').textContent = me.data.user.plan;
  show(true);
  watch();
  await loadSessions();
}

async function signIn(replace) {
  const body = { username: form.username.value, password: form.password.value };
  if (replace) body.replace = replace;
  const r = await api('POST', '/api/login', body);
  if (r.status === 200) {
    $('choose').hidden = true;
    $('choose-list').replaceChildren();
    form.password.value = '';
    say('');
    await showAccount();
    $('account-title').focus();
  } else if (r.status === 409) {
    chooseDevice(r.data);
  } else {
    say(r.data && r.data.error ? r.data.error.message : 'Sign-in failed.');
  }
}

/** At a "reject" limit: list the devices, each with a button that signs it out and this in. */
function chooseDevice(data) {
  say('');
  $('choose-text').textContent = data.error.message;
  $('choose-list').replaceChildren(
    ...data.active.map((s) =>
      sessionItem(s, (end) =>
        end.append(
          button(
            'Sign out this device',
            'Sign out ' + s.device.label + ' and sign in here',
            () => void signIn(s.id),
          ),
        ),
      ),
    ),
  );
  $('choose').hidden = false;
  $('choose-title').focus();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});
$('choose-cancel').addEventListener('click', () => {
  $('choose').hidden = true;
  form.username.focus();
});
$('revoke-others').addEventListener('click', async () => {
  await api('POST', '/api/sessions/revoke-others');
  await loadSessions();
});
$('logout').addEventListener('click', async () => {
  // The stream stays open: it tells this browser's other tabs of the sign-out.
  await api('POST', '/api/logout');
  signedOut('You signed out.');
  form.username.focus();
});

// Keep "last active" fresh, and notice sign-ins on other devices.
setInterval(() => {
  if (!$('account').hidden) void loadSessions();
}, 20000);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !$('account').hidden) void loadSessions();
});

if (document.body.dataset.signedIn === 'true') void showAccount();
