// The portal's shell and helpers, shared by every page of both spaces and by
// the pages other plugins contribute (docs/portal.md). No framework: ES
// modules, the DOM, fetch. Every page is a static HTML file that imports its
// own module; that module calls page() and fills the returned <main>.
//
// Pages live under /{service}/{plugin}/; the API under /api/v1/{service}/.
// The session is the HttpOnly cookie set by the login routes; writes carry
// the session's CSRF token (docs/http.md), kept in sessionStorage.

export const svc = decodeURIComponent(location.pathname.split('/')[1] || '');
export const API = `/api/v1/${encodeURIComponent(svc)}`;
const base = `/${encodeURIComponent(svc)}`;

// The routes that check credentials: their 401 is a wrong address, password
// or code, answered on the form, never "your session has ended".
const CREDENTIAL_ROUTES = ['/auth/login', '/auth/code', '/auth/code/verify', '/auth/password/reset', '/portal/activate'];

export class ApiError extends Error {
  constructor(status, body, path = '') {
    super((body && body.error && body.error.message) || `Erreur ${status}`);
    this.status = status;
    this.body = body;
    this.fields = (body && body.error && body.error.fields) || [];
    this.sessionEnded = status === 401 && !CREDENTIAL_ROUTES.includes(path.split('?')[0]);
  }
}

let lastActivity = Date.now();

export async function api(path, { method = 'GET', body, csv = false } = {}) {
  const headers = { Accept: 'application/json' };
  const opts = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = csv ? 'text/csv' : 'application/json';
    opts.body = csv ? body : JSON.stringify(body);
  }
  if (method !== 'GET') headers['X-CSRF-Token'] = sessionStorage.getItem('socle_csrf') || '';
  const r = await fetch(API + path, opts);
  lastActivity = Date.now();
  const type = r.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await r.json() : null;
  if (!r.ok) throw new ApiError(r.status, data, path);
  return data;
}

export function rememberSession(answer) {
  sessionStorage.setItem('socle_csrf', answer.csrf_token);
}

// h('p', {class: 'x'}, 'text', child...): an element. Attributes only, never
// inline style (the Content-Security-Policy forbids it) nor HTML strings.
export function h(tag, attrs = {}, ...children) {
  const svgTags = ['svg', 'rect', 'text', 'g', 'title'];
  const el = svgTags.includes(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const url = (plugin, page, query) =>
  `${base}/${plugin}/${page}${query ? '?' + new URLSearchParams(query) : ''}`;

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
  'septembre', 'octobre', 'novembre', 'décembre'];

// "2026-03-01" -> "1er mars 2026"
// "de" before a name, elided before a vowel ("d'Aurélie", "de Hugo").
export const deName = (name) => (/^[aeiouyàâäéèêëîïôöùûüœæ]/i.test(name || '') ? `d'${name}` : `de ${name}`);

export function dateFr(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${d === 1 ? '1er' : d} ${MONTHS[m - 1]} ${y}`;
}

// Today ("YYYY-MM-DD") by the server's clock (me.now of /auth/me), in
// metropolitan France: a form's default day, never the browser's clock.
export const serviceToday = (me) => new Date((me && me.now) || Date.now()).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });

// "2026-03-01T08:30:00" (Paris local time as stored) -> "1er mars 2026 à 8 h 30"
export function dateTimeFr(iso) {
  if (!iso) return '';
  const t = iso.slice(11, 16);
  return `${dateFr(iso)} à ${Number(t.slice(0, 2))} h ${t.slice(3, 5)}`;
}

// An instant ("2026-03-01T07:30:00.000Z") as read in France: "1er mars 2026 à 8 h 30".
export function instantFr(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('fr-FR', {
    timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d).map((p) => [p.type, p.value]));
  return dateTimeFr(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`);
}

export const euros = (n) =>
  `${Number(n).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} €`;

// A message in the page: role="status" for news, role="alert" for errors.
export function notice(kind, ...content) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    ...content);
}

// A form's errors: a summary at the top, linked to each field, and the
// message beside the field (RGAA 11.10 and 11.11). fields: [{field, message}].
// The errors of a previous try gone, each field described by its hint again.
export function clearErrors(form) {
  form.querySelectorAll('.field-error, .error-summary').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => {
    e.removeAttribute('aria-invalid');
    if (e.dataset.describedby) e.setAttribute('aria-describedby', e.dataset.describedby);
    else e.removeAttribute('aria-describedby');
  });
}

export function showErrors(form, err) {
  clearErrors(form);
  const list = h('ul');
  const fields = err instanceof ApiError ? err.fields : [];
  for (const f of fields) {
    const input = form.querySelector(`[name="${CSS.escape(f.column || f.field)}"]`);
    if (input && !f.line) {
      const id = `${input.id}-erreur`;
      input.setAttribute('aria-invalid', 'true');
      // The hint stays read with the error.
      input.dataset.describedby = input.getAttribute('aria-describedby') || '';
      input.setAttribute('aria-describedby', [input.dataset.describedby, id].filter(Boolean).join(' '));
      input.closest('.field').append(h('p', { class: 'field-error', id }, f.message));
      const name = (form.querySelector(`label[for="${input.id}"]`) || {}).firstChild;
      const label = name && name.textContent ? `${name.textContent.trim()} : ` : '';
      list.append(h('li', {}, h('a', { href: `#${input.id}` }, `${label}${f.message}`)));
    } else {
      list.append(h('li', {}, `${f.field} : ${f.message}`));
    }
  }
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
    h('h2', {}, err.message || 'Une erreur est survenue.'), fields.length ? list : null);
  form.prepend(summary);
  summary.focus();
}

// A labelled field. opts: {type, hint, required, value, choices: [[value, label]], autocomplete}
let fieldSeq = 0;
export function field(name, label, opts = {}) {
  const id = `f-${name}-${++fieldSeq}`;
  const hintId = opts.hint ? `${id}-aide` : null;
  let input;
  if (opts.choices) {
    input = h('select', { id, name, required: opts.required, 'aria-describedby': hintId },
      opts.choices.map(([v, l]) => h('option', { value: v, selected: v === opts.value }, l)));
  } else if (opts.type === 'textarea') {
    input = h('textarea', { id, name, required: opts.required, 'aria-describedby': hintId, rows: 4 },
      opts.value || '');
  } else {
    input = h('input', {
      id, name, type: opts.type || 'text', required: opts.required, value: opts.value,
      autocomplete: opts.autocomplete, inputmode: opts.inputmode, 'aria-describedby': hintId,
    });
  }
  if (opts.type === 'checkbox') {
    if (opts.value) input.checked = true;
    input.removeAttribute('value');
    return h('div', { class: 'field field-check' }, input, h('label', { for: id }, label),
      opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null);
  }
  return h('div', { class: 'field' },
    h('label', { for: id }, label, opts.required ? h('span', { class: 'req' }, ' (obligatoire)') : null),
    opts.hint ? h('p', { class: 'hint', id: hintId }, opts.hint) : null, input);
}

// A form whose submit runs fn(values); its errors shown in place.
export function form(title, children, submitLabel, fn, opts = {}) {
  const f = h('form', { novalidate: true, class: 'card', 'aria-label': title },
    title && !opts.noTitle ? h('h2', {}, title) : null, ...children,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, submitLabel)));
  // Ctrl + Entrée (⌘ + Entrée) sends the form from any of its fields, a
  // long text included: the team fills the same forms all day (issue 15).
  // A modifier key: no single-key shortcut a screen reader could trip.
  f.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      f.requestSubmit();
    }
  });
  f.querySelector('button[type=submit]').setAttribute('aria-keyshortcuts', 'Control+Enter');
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = f.querySelector('button[type=submit]');
    btn.disabled = true;
    // The last try's errors go as this one is sent: a success says so while
    // the page still reloads its lists, and must not stand beside them.
    clearErrors(f);
    try {
      await fn(formValues(f), f);
    } catch (err) {
      if (err instanceof ApiError && err.sessionEnded) return signInAgain();
      showErrors(f, err);
    } finally {
      btn.disabled = false;
    }
  });
  return f;
}

export function formValues(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') {
      if (el.dataset.group) (out[el.dataset.group] ||= []).push(...(el.checked ? [el.value] : []));
      else out[el.name] = el.checked;
    } else if (el.type === 'file') out[el.name] = el.files[0] || null;
    else out[el.name] = el.value.trim();
  }
  return out;
}

export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {}, h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) =>
        i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
}

function signInAgain() {
  const back = location.pathname + location.search;
  location.assign(url('portal', 'connexion.html', { retour: back }));
}

// ---- the shell -----------------------------------------------------------------------------

async function sections(space, me, roles) {
  const offer = await api('/offer');
  const found = [];
  for (const o of offer.offer) {
    let manifest;
    try {
      const r = await fetch(`${base}/${o.plugin}/portal.json`, { credentials: 'same-origin' });
      if (!r.ok) continue;
      manifest = await r.json();
    } catch { continue; }
    for (const s of manifest.sections || []) {
      if (s.space !== space) continue;
      if (s.employer_role && me.role === 'employer' && !roles.includes(s.employer_role)) continue;
      if (s.staff_roles && space === 'equipe' && !s.staff_roles.includes(me.role)) continue;
      found.push({ ...s, plugin: o.plugin });
    }
  }
  return found.sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
}

// The company an employer page is about: ?entreprise=ID, else the first one.
async function companyOf(me) {
  const mine = await api('/membership/my/companies');
  const asked = new URLSearchParams(location.search).get('entreprise');
  if (asked) {
    const c = mine.items.find((x) => String(x.id) === asked);
    if (!c) return { refused: true, mine: mine.items };
    return { company: c, mine: mine.items };
  }
  return { company: mine.items[0] || null, mine: mine.items };
}

function sessionWatch(me) {
  const idle = (me.idle_timeout_s || 1800) * 1000;
  // The session's end by the server's clock, moved to this machine's.
  const skew = me.now ? Date.now() - Date.parse(me.now) : 0;
  const absolute = me.expires_at ? Date.parse(me.expires_at) + skew : Infinity;
  const banner = h('div', { class: 'session-warning', role: 'alert', hidden: true });
  document.body.prepend(banner);
  const tick = () => {
    const end = Math.min(lastActivity + idle, absolute);
    const left = end - Date.now();
    if (left <= 0) return signInAgain();
    if (left > 5 * 60 * 1000) { banner.hidden = true; return; }
    const minutes = Math.max(1, Math.round(left / 60000));
    if (!banner.hidden && banner.dataset.minutes === String(minutes)) return;
    banner.dataset.minutes = String(minutes);
    banner.replaceChildren(
      `Votre session se fermera dans ${minutes} minute${minutes > 1 ? 's' : ''} sans activité. `,
      end < absolute
        ? h('button', { type: 'button', onclick: async () => { await api('/auth/me'); tick(); } },
          'Rester connecté')
        : 'Enregistrez votre travail puis reconnectez-vous.');
    banner.hidden = false;
  };
  setInterval(tick, 15000);
}

// Build the page around its content. space: 'adherent' | 'salarie' | null
// (public pages). Returns {me, main, company, roles} or never returns (sign-in).
export async function page({ space, title, current }) {
  document.title = `${title} — ${svc}`;
  const identity = await fetch(`${API}/identity`).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  const style = h('link', { rel: 'stylesheet', href: `${API}/identity.css` });
  document.head.append(style);
  const serviceName = identity.name || svc;
  document.title = `${title} — ${serviceName}`;

  let me = null;
  let roles = [];
  let company = null;
  let refused = false;
  let mine = [];
  if (space) {
    try {
      me = await api('/auth/me');
      rememberSession(me);
    } catch (err) {
      if (err.sessionEnded) { signInAgain(); throw new Refused(); }
      throw err;
    }
    const wanted = space === 'adherent' ? ['employer'] : space === 'salarie' ? ['employee'] : STAFF_ROLES;
    if (!wanted.includes(me.role)) refused = true;
    if (space === 'adherent' && !refused) {
      const c = await companyOf(me);
      refused = !!c.refused;
      company = c.company;
      mine = c.mine;
      roles = company ? company.roles : [];
    }
  }

  const nav = h('nav', { 'aria-label': 'Menu principal', class: 'site-nav' });
  if (space && me && !refused) {
    const list = h('ul');
    const keep = company && mine.length > 1 ? { entreprise: company.id } : null;
    for (const s of await sections(space, me, roles)) {
      const href = url(s.plugin, s.page, keep);
      const here = `${s.plugin}/${s.page}` === current;
      list.append(h('li', {}, h('a', { href, 'aria-current': here ? 'page' : null }, s.title)));
    }
    nav.append(list);
  }
  const spaceName = { adherent: 'Espace adhérent', salarie: 'Espace salarié', equipe: 'Espace de l\'équipe' }[space] || '';
  const header = h('header', { class: 'site-header' },
    h('div', { class: 'brand' },
      identity.logo_url ? h('img', { src: identity.logo_url, alt: '', class: 'logo' }) : null,
      h('p', { class: 'service-name' }, h('a', { href: url('portal', '') }, serviceName),
        spaceName ? h('span', { class: 'space-name' }, ` — ${spaceName}`) : null)),
    me ? h('div', { class: 'who' }, h('span', {}, me.user.display_name),
      h('button', {
        type: 'button', class: 'link-button', onclick: async () => {
          try { await api('/auth/logout', { method: 'POST', body: {} }); } catch { /* gone already */ }
          sessionStorage.removeItem('socle_csrf');
          location.assign(url('portal', 'connexion.html', { deconnecte: '1' }));
        },
      }, 'Se déconnecter')) : null,
    nav);
  const main = h('main', { id: 'contenu', tabindex: '-1' }, h('h1', {}, title));
  // Pages append optional parts (null when the role lacks them): skipped,
  // never written as the text "null".
  main.append = (...parts) => Element.prototype.append.apply(main, parts.filter((x) => x !== null && x !== undefined && x !== false));
  const footer = h('footer', { class: 'site-footer' },
    h('p', {}, identity.legal_name || serviceName),
    identity.address ? h('p', {}, identity.address.replace(/\n/g, ', ')) : null,
    identity.phone ? h('p', {}, `Téléphone : ${identity.phone}`) : null,
    identity.privacy_contact ? h('p', {}, identity.privacy_contact) : null);
  const skip = h('a', { class: 'skip-link', href: '#contenu' }, 'Aller au contenu');
  document.body.replaceChildren(skip, header, main, footer);

  if (refused) {
    main.append(notice('error', space === 'adherent' && me.role === 'employer'
      ? "Vous n'avez pas accès à cette entreprise. Seules les entreprises dont vous êtes utilisateur s'affichent dans votre espace."
      : `Cette page est réservée à l'${spaceName.toLowerCase()}. Votre compte n'y a pas accès.`));
    throw new Refused();
  }
  if (me) sessionWatch(me);
  if (space === 'adherent' && !company) {
    main.append(notice('info', 'Votre compte n\'est rattaché à aucune entreprise pour le moment : le service ou l\'administrateur de votre entreprise vous y invitera.'));
    throw new Refused();
  }
  return { me, main, company, roles, identity, mine };
}

export class Refused extends Error {}

// The service's team: the roles of the staff workspace.
export const STAFF_ROLES = ['service_admin', 'medecin', 'infirmier', 'iprp', 'assistant_social', 'assistant_medical'];
export const ROLE_NAMES = {
  service_admin: 'administration du service', medecin: 'médecin du travail', infirmier: 'infirmier en santé au travail',
  iprp: 'intervenant en prévention (IPRP)', assistant_social: 'assistant de service social', assistant_medical: 'assistante médicale',
  employer: 'employeur', employee: 'salarié',
};
// Where a person lands after signing in.
export const homeOf = (role) => url('portal', role === 'employee' ? 'salarie.html' : role === 'employer' ? 'adherent.html' : 'equipe.html');

// Run a page's body; show errors as the page's alert (never a blank page).
export async function run(fn) {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Refused) return markReady();
    if (err instanceof ApiError && err.sessionEnded) return signInAgain();
    const main = document.querySelector('main') || document.body;
    // The server's messages are French and meant for people; a fault of the
    // page itself is not shown raw (its detail goes to the console).
    if (!(err instanceof ApiError)) console.error(err);
    main.append(notice('error', err instanceof ApiError
      ? (err.status === 403 ? `Accès refusé : ${err.message}` : err.message)
      : 'Une erreur inattendue est survenue dans la page : rechargez-la ; si elle revient, signalez-la au service.'));
  }
  markReady();
}

// The page is built (tests wait for it; a person sees "Chargement…" go).
function markReady() {
  document.documentElement.dataset.ready = '1';
}

// The employee's worker id (the scope of the account).
export const workerOf = (me) => (me.scopes.find((s) => s.kind === 'worker') || {}).ref;
