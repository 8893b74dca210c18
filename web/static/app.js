// Tandem's pages work without this script; it adds live updates and the checks
// a form can make before it is sent.
(function () {
  'use strict';

  var main = document.getElementById('main');
  var live = document.getElementById('live');

  // A decision that needs a comment is checked here first, so the person is told
  // next to the field at once; the server checks again.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var button = e.submitter;
    if (!form.matches('form.decide') || !button || !button.hasAttribute('data-needs-comment')) return;
    var comment = form.querySelector('textarea[name=comment]');
    if (comment.value.trim() !== '') return;
    e.preventDefault();
    var msg = form.querySelector('.field-problem');
    msg.textContent = 'A comment is required to ' + button.textContent.toLowerCase() + '.';
    msg.hidden = false;
    comment.setAttribute('aria-invalid', 'true');
    comment.setAttribute('aria-describedby', msg.id);
    comment.focus();
  });

  // A task's form asks for times in the viewer's own time zone. The server draws
  // them in UTC (data-utc) until it knows the zone: name it in the form's tz
  // input, which the server reads the times with, and show the times and the
  // earliest allowed time in it. Without this script, times stay UTC, as their
  // labels say.
  function localTimes(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    Array.prototype.forEach.call(root.querySelectorAll('input[data-tz]'), function (tz) {
      if (tz.value) return; // drawn in a zone already
      tz.defaultValue = zone;
      Array.prototype.forEach.call(tz.form.querySelectorAll('input[data-utc]'), function (el) {
        if (el.value) el.defaultValue = local(el.value);
        if (el.min) el.min = local(el.min);
      });
      Array.prototype.forEach.call(tz.form.querySelectorAll('[data-zone]'), function (s) { s.textContent = '(' + zone + ')'; });
    });
  }

  // local turns a UTC datetime-local value ("2026-11-25T17:30") into the
  // viewer's time.
  function local(v) {
    var d = new Date(v + 'Z');
    if (isNaN(d)) return v;
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  // The server writes times in the viewer's time zone once it knows it: this
  // cookie names it (an IANA name, such as Europe/Paris), read on every page.
  function rememberZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    var v = encodeURIComponent(zone);
    if (document.cookie.split('; ').indexOf('tandem_tz=' + v) >= 0) return;
    document.cookie = 'tandem_tz=' + v + '; path=/; max-age=31536000; samesite=strict' + (location.protocol === 'https:' ? '; secure' : '');
  }

  // Times the server wrote in UTC for want of the viewer's zone
  // (time[data-local], after the first visit never) read in it; what is
  // relative ("due in 2 days, ") is kept before it (data-lead). Without this
  // script they stay UTC, as they say.
  function localDates(root) {
    var fmt, withYear, year = new Date().getFullYear();
    try {
      var opts = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
      fmt = new Intl.DateTimeFormat(undefined, opts);
      opts.year = 'numeric'; // another year than this one says which
      withYear = new Intl.DateTimeFormat(undefined, opts);
    } catch (e) { return; }
    Array.prototype.forEach.call(root.querySelectorAll('time[data-local]'), function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) t.textContent = (t.getAttribute('data-lead') || '') + (d.getFullYear() === year ? fmt : withYear).format(d);
    });
  }

  rememberZone();
  localTimes(document);
  localDates(document);

  // @mentions: in a comment box (textarea[data-mention]), typing @ and a few
  // letters offers the people and teams that match (GET /mentions), to pick
  // with the arrow keys and Enter or Tab, or the mouse; Escape closes the list.
  // Without this script, typing @handle mentions all the same.
  var mention = { box: null, list: null, items: [], at: -1, active: 0, asked: '' };

  function mentionQuery(box) {
    var before = box.value.slice(0, box.selectionStart);
    var m = /(^|[^A-Za-z0-9._@-])@([a-z0-9][a-z0-9._-]{0,63}|)$/i.exec(before);
    if (!m) return null;
    return { q: m[2], at: before.length - m[2].length - 1 };
  }

  function closeMentions() {
    if (mention.list) mention.list.remove();
    if (mention.box) {
      mention.box.removeAttribute('aria-activedescendant');
      mention.box.setAttribute('aria-expanded', 'false');
    }
    mention.list = null; mention.items = []; mention.at = -1;
  }

  function drawMentions(box, items) {
    closeMentions();
    if (!items.length) return;
    mention.box = box; mention.items = items; mention.active = 0;
    var list = document.createElement('ul');
    list.className = 'mention-list';
    list.id = box.id + '-mentions';
    list.setAttribute('role', 'listbox');
    items.forEach(function (it, i) {
      var li = document.createElement('li');
      li.id = list.id + '-' + i;
      li.setAttribute('role', 'option');
      li.textContent = it.name;
      var h = document.createElement('span');
      h.className = 'handle';
      h.textContent = '@' + it.handle;
      li.appendChild(h);
      li.addEventListener('mousedown', function (e) { e.preventDefault(); pickMention(i); });
      list.appendChild(li);
    });
    box.parentNode.classList.add('mention-box');
    box.insertAdjacentElement('afterend', list);
    box.setAttribute('aria-controls', list.id);
    box.setAttribute('aria-expanded', 'true');
    mention.list = list;
    markMention();
  }

  function markMention() {
    Array.prototype.forEach.call(mention.list.children, function (li, i) {
      li.setAttribute('aria-selected', i === mention.active ? 'true' : 'false');
    });
    mention.box.setAttribute('aria-activedescendant', mention.list.id + '-' + mention.active);
  }

  function pickMention(i) {
    var box = mention.box, q = mentionQuery(box);
    if (!q) { closeMentions(); return; }
    var text = '@' + mention.items[i].handle + ' ';
    var end = box.selectionStart;
    box.value = box.value.slice(0, q.at) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = q.at + text.length;
    closeMentions();
    box.focus();
  }

  document.addEventListener('input', function (e) {
    var box = e.target;
    if (!box.matches || !box.matches('textarea[data-mention]')) return;
    box.setAttribute('aria-autocomplete', 'list');
    var q = mentionQuery(box);
    if (!q) { closeMentions(); return; }
    mention.asked = q.q;
    fetch('/mentions?q=' + encodeURIComponent(q.q), { credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : []; })
      .then(function (items) {
        var now = mentionQuery(box);
        if (now && now.q === q.q && mention.asked === q.q) drawMentions(box, items);
      })
      .catch(function () { /* no completion this time; typing works */ });
  });

  document.addEventListener('keydown', function (e) {
    if (!mention.list || e.target !== mention.box) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var n = mention.items.length;
      mention.active = (mention.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      markMention();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      pickMention(mention.active);
    } else if (e.key === 'Escape') {
      closeMentions();
    }
  });
  document.addEventListener('focusout', function (e) { if (e.target === mention.box) closeMentions(); });

  // Live updates: while the page is visible, redraw its main part from the server
  // every data-poll milliseconds. Never while someone is typing or has a half
  // written form, and keep keyboard focus where it was.
  if (!main || !main.dataset.poll) return;
  var every = Number(main.dataset.poll);

  // changed reports whether a field differs from what the page was drawn with.
  function changed(f) {
    if (f.type === 'checkbox' || f.type === 'radio') return f.checked !== f.defaultChecked;
    if (f.tagName === 'SELECT') {
      var drawn = Array.prototype.findIndex.call(f.options, function (o) { return o.defaultSelected; });
      return f.selectedIndex !== (drawn < 0 ? 0 : drawn);
    }
    return f.value !== f.defaultValue;
  }

  function typing() {
    var el = document.activeElement;
    if (el && main.contains(el) && /^(TEXTAREA|INPUT|SELECT)$/.test(el.tagName)) return true;
    return Array.prototype.some.call(main.querySelectorAll('textarea, input:not([type=hidden]), select'), changed);
  }

  // focusKey names the focused element so the same one can be found after a
  // redraw: by its own id, or by the nearest element with one and what it links
  // to or submits.
  function focusKey() {
    var el = document.activeElement;
    if (!el || el === main || !main.contains(el)) return null;
    if (el.id) return { id: el.id };
    var holder = el.parentElement.closest('[id]');
    return { holder: holder && main.contains(holder) ? holder.id : null, tag: el.tagName,
      href: el.getAttribute('href'), value: el.getAttribute('value') };
  }

  function refocus(k) {
    if (!k) return;
    var found = k.id && document.getElementById(k.id);
    if (!k.id) {
      var scope = (k.holder && document.getElementById(k.holder)) || main;
      found = Array.prototype.find.call(scope.querySelectorAll(k.tag), function (el) {
        return el.getAttribute('href') === k.href && el.getAttribute('value') === k.value;
      });
    }
    (found || main).focus({ preventScroll: true });
  }

  // The server names each drawing of a page's main part by a hash of what it
  // shows (notices left out), so the page is redrawn only when something moved,
  // and a notice stays until then.
  function refresh() {
    if (document.hidden || typing()) return;
    fetch(location.href, { headers: { 'X-Tandem-Fragment': 'main' }, credentials: 'same-origin' })
      .then(function (res) {
        if (res.status === 401) { location.reload(); return null; }
        if (res.ok) unread(res.headers.get('X-Tandem-Unread'));
        if (!res.ok || res.headers.get('X-Tandem-Version') === main.dataset.version) return null;
        var version = res.headers.get('X-Tandem-Version');
        return res.text().then(function (html) { return { html: html, version: version }; });
      })
      .then(function (next) {
        if (!next || typing()) return;
        var k = focusKey();
        // An action someone opened (a <details> with an id) stays open.
        var open = Array.prototype.map.call(main.querySelectorAll('details[open][id]'), function (d) { return d.id; });
        main.innerHTML = next.html;
        main.dataset.version = next.version;
        localTimes(main);
        localDates(main);
        open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
        refocus(k);
        live.textContent = 'Updated at ' + new Date().toLocaleTimeString();
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  // The header's count of unread notifications, which a refresh of <main>
  // does not redraw: the refresh's answer carries it.
  function unread(n) {
    var badge = document.getElementById('unread');
    if (!badge || n === null || !/^\d+$/.test(n)) return;
    badge.hidden = n === '0';
    document.getElementById('unread-n').textContent = Number(n) > 99 ? '99+' : n;
  }

  main.setAttribute('tabindex', '-1');
  setInterval(refresh, every);
})();
