// The live call board's page script. It reads the board's event stream
// (a snapshot, then patches), keeps one table row per call, agent and ended
// call keyed by id, updates the cells of a row in place, and ticks the
// timers every second from the server's timestamps. Every value is shown
// with textContent: nothing from the server is parsed as HTML.
(function () {
  'use strict';

  var offset = 0; // server clock minus this browser's clock, in ms
  var recentLimit = 50;
  var calls = new Map(), agents = new Map();
  var $ = function (id) { return document.getElementById(id); };
  var callsBody, agentsBody, recentBody;
  var es = null, retryTimer = 0;

  function serverNow() { return Date.now() + offset; }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function dur(ms) {
    if (!(ms > 0)) { ms = 0; }
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ':' + pad(m) : String(m)) + ':' + pad(s % 60);
  }
  function clock(ms) {
    if (!ms) { return ''; }
    var d = new Date(ms - offset);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function setText(el, t) {
    t = (t === undefined || t === null || t === '') ? '\u2014' : String(t);
    if (el.textContent !== t) { el.textContent = t; }
  }
  function setState(el, label, code) {
    setText(el, label || 'Unknown');
    var cls = 'state ' + (/^[a-z]+$/.test(code || '') ? code : 'other');
    if (el.className !== cls) { el.className = cls; }
  }
  function row(n, stateAt) {
    var tr = document.createElement('tr'), cells = [];
    for (var i = 0; i < n; i++) {
      var td = document.createElement('td');
      tr.appendChild(td);
      cells.push(td);
    }
    var r = { tr: tr, c: cells, state: null };
    if (stateAt >= 0) {
      r.state = document.createElement('span');
      cells[stateAt].appendChild(r.state);
    }
    return r;
  }
  function numeric(r, from) {
    for (var i = from; i < r.c.length; i++) { r.c[i].className = 'num'; }
  }

  // Live calls: From, To, Direction, State, Parties, Ring, Talk, Hold.
  function upsertCall(c) {
    var r = calls.get(c.id);
    if (!r) {
      r = row(8, 3);
      numeric(r, 5);
      r.tr.dataset.id = c.id;
      calls.set(c.id, r);
      callsBody.insertBefore(r.tr, callsBody.firstChild);
    }
    r.d = c;
    setText(r.c[0], c.from);
    setText(r.c[1], c.to);
    setText(r.c[2], c.dir);
    setState(r.state, c.state, c.code);
    var key = JSON.stringify((c.parties || []).map(function (p) { return [p.who, p.state, p.code]; }));
    if (r.pk !== key) {
      r.pk = key;
      var cell = r.c[4];
      while (cell.firstChild) { cell.removeChild(cell.firstChild); }
      (c.parties || []).forEach(function (p) {
        var wrap = document.createElement('span');
        wrap.className = 'party';
        wrap.appendChild(document.createTextNode((p.who || 'party') + ': '));
        var s = document.createElement('span');
        setState(s, p.state, p.code);
        wrap.appendChild(s);
        cell.appendChild(wrap);
      });
    }
    tickCall(r, serverNow());
  }
  function tickCall(r, now) {
    var c = r.d;
    var hold = (c.holdAcc || 0) + (c.holdStart ? now - c.holdStart : 0);
    setText(r.c[5], dur((c.answer || now) - c.start));
    setText(r.c[6], c.answer ? dur(now - c.answer - hold) : '');
    setText(r.c[7], hold > 0 ? dur(hold) : '');
  }
  function removeCall(id) {
    var r = calls.get(id);
    if (r) { r.tr.remove(); calls.delete(id); }
  }

  // Agents: Name, Extension, State, Time in state, Other party, Direction, Queue.
  function agentKey(a) { return [a.ext || '', a.name || '', a.id]; }
  function before(x, y) {
    for (var i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) { return x[i] < y[i]; }
    }
    return false;
  }
  function upsertAgent(a) {
    var r = agents.get(a.id);
    if (!r) {
      r = row(7, 2);
      numeric(r, 3);
      r.tr.dataset.id = a.id;
      agents.set(a.id, r);
      var k = agentKey(a), next = null;
      agents.forEach(function (o) {
        if (o !== r && o.d && before(k, agentKey(o.d)) && (!next || before(agentKey(o.d), agentKey(next.d)))) { next = o; }
      });
      agentsBody.insertBefore(r.tr, next ? next.tr : null);
    }
    r.d = a;
    setText(r.c[0], a.name);
    setText(r.c[1], a.ext);
    setState(r.state, a.state, a.code);
    setText(r.c[4], a.other);
    setText(r.c[5], a.dir);
    setText(r.c[6], a.queue || 'Unknown');
    tickAgent(r, serverNow());
  }
  function tickAgent(r, now) { setText(r.c[3], r.d.since ? dur(now - r.d.since) : ''); }

  // Recently ended: Ended, From, To, Direction, Outcome, Ring, Talk, Hold.
  function addRecent(x) {
    var r = row(8, 4);
    numeric(r, 5);
    r.tr.dataset.id = x.id;
    setText(r.c[0], clock(x.end));
    setText(r.c[1], x.from);
    setText(r.c[2], x.to);
    setText(r.c[3], x.dir);
    setState(r.state, x.outcome + (x.partial ? ' (partial)' : ''), x.code);
    setText(r.c[5], dur(x.ring));
    setText(r.c[6], dur(x.talk));
    setText(r.c[7], dur(x.hold));
    recentBody.insertBefore(r.tr, recentBody.firstChild);
    while (recentBody.rows.length > recentLimit) { recentBody.lastChild.remove(); }
  }

  var health = null, strip = null;
  function setHealth(h) {
    health = h;
    setText($('h-transport'), h.transport || 'unknown');
    setState($('h-conn'), h.conn, h.connCode);
    setText($('h-gaps'), h.gaps);
    setText($('h-resyncs'), h.resyncs);
    setText($('h-dropped'), h.dropped);
    setText($('h-substate'), h.subState);
    setText($('h-sub'), h.sub ? '(' + h.sub + ')' : ' ');
    var g = $('gap');
    if (h.gapOpen) {
      setText(g, 'Gap: notifications since ' + clock(h.gapSince) + ' may have been lost (' + (h.gapReason || 'unknown reason') +
        '). The board is resynchronising; counts may be off until it has.');
      g.hidden = false;
    } else if (!g.hidden) {
      g.hidden = true;
    }
  }
  function setStrip(s) {
    strip = s;
    recentLimit = s.recentLimit || recentLimit;
    setText($('s-active'), s.active);
    setText($('s-ringing'), s.ringing);
    setText($('s-hold'), s.hold);
    setText($('s-parked'), s.parked);
    setText($('s-missed'), s.missed15);
    setText($('s-answered'), s.answered15);
  }

  function tick() {
    var now = serverNow();
    calls.forEach(function (r) { tickCall(r, now); });
    agents.forEach(function (r) { tickAgent(r, now); });
    if (strip) {
      setText($('s-ring'), strip.ringSince ? dur(now - strip.ringSince) : 'none');
      setText($('s-holdlong'), strip.holdSince ? dur(now - strip.holdSince) : 'none');
    }
    if (health) { setText($('h-last'), health.last ? dur(now - health.last) + ' ago' : 'none yet'); }
    $('calls-empty').hidden = calls.size > 0;
  }

  function apply(m) {
    if (m.now) { offset = m.now - Date.now(); }
    if (m.reset) {
      calls.clear(); agents.clear();
      callsBody.textContent = ''; agentsBody.textContent = ''; recentBody.textContent = '';
    }
    if (m.strip) { setStrip(m.strip); }
    (m.calls || []).forEach(upsertCall);
    (m.gone || []).forEach(removeCall);
    (m.agents || []).forEach(upsertAgent);
    (m.recent || []).forEach(addRecent);
    if (m.health) { setHealth(m.health); }
    tick();
  }

  function live(label, code) { setState($('live'), label, code); }

  function connect() {
    retryTimer = 0;
    es = new EventSource('events');
    es.addEventListener('snapshot', function (e) { apply(JSON.parse(e.data)); });
    es.addEventListener('patch', function (e) { apply(JSON.parse(e.data)); });
    es.onopen = function () { live('Live', 'ok'); };
    es.onerror = function () {
      live('Reconnecting', 'warn');
      if (es.readyState === EventSource.CLOSED && !retryTimer) {
        // The browser gave up (the server refused the stream): start
        // again, from a fresh snapshot.
        retryTimer = setTimeout(connect, 3000);
      }
    };
  }

  document.addEventListener('DOMContentLoaded', function () {
    callsBody = $('calls').tBodies[0];
    agentsBody = $('agents').tBodies[0];
    recentBody = $('recent').tBodies[0];
    setInterval(tick, 1000);
    connect();
  });
}());
