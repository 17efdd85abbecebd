// The demo page's script: plain browser JavaScript, inlined by pages.ts (no build step). It
// talks to the same JSON routes as any other client and builds the DOM with textContent only.
/* global document, EventSource */
'use strict';

const $ = (id) => document.getElementById(id);
const notice = $('notice');
const form = $('signin-form');
let events = null;

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

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** One session in a list: device, kind, last active; `action` adds a button or a mark. */
function sessionItem(session, action) {
  const li = el('li');
  li.append(el('strong', session.device.label), ' ');
  li.append(el('span', session.device.kind, 'kind'), ' ');
  const seen = el('time', 'last active ' + ago(session.lastSeenAt));
  seen.dateTime = new Date(session.lastSeenAt).toISOString();
  li.append(seen, ' ');
  action(li);
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

function stopWatching() {
  if (events) events.close();
  events = null;
  $('live').textContent = '';
}

function signedOut(message) {
  stopWatching();
  say(message);
  show(false);
}

async function loadSessions() {
  const r = await api('GET', '/api/sessions');
  if (!r || r.status !== 200) return;
  const list = $('sessions');
  list.replaceChildren(
    ...r.data.sessions.map((s) =>
      sessionItem(s, (li) => {
        if (s.id === r.data.current) {
          li.append(el('span', 'this device', 'current'));
          li.setAttribute('aria-current', 'true');
        } else {
          li.append(
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
  if (events) return;
  events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    $('live').textContent = 'Live: this page is told at once if this device is signed out.';
  });
  events.addEventListener('revoked', (event) => {
    signedOut(JSON.parse(event.data).message);
  });
  events.addEventListener('error', () => {
    $('live').textContent = '';
    // A refused stream is not retried by the browser: ask the API why.
    if (events && events.readyState === EventSource.CLOSED) {
      events = null;
      void showAccount();
    }
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
      sessionItem(s, (li) =>
        li.append(
          button(
            'Sign out this device and sign in here',
            'Sign out ' + s.device.label + ' and sign in here',
            () => void signIn(s.id),
          ),
        ),
      ),
    ),
  );
  $('choose').hidden = false;
  $('choose-list').querySelector('button')?.focus();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});
$('choose-cancel').addEventListener('click', () => {
  $('choose').hidden = true;
});
$('revoke-others').addEventListener('click', async () => {
  await api('POST', '/api/sessions/revoke-others');
  await loadSessions();
});
$('logout').addEventListener('click', async () => {
  stopWatching();
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
