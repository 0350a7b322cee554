// The team's search box (issue 15 item 4): a worker by name, "name first
// name" or birth date, a company by name, SIRET, SIREN or member number;
// results as you type. A health professional may also type an INS (NIR):
// that search is medical and traced (tracking, GET /tracking/dmst?ins=).
import { page, run, h, api, dateFr, notice, table } from './portal.js';

const HEALTH = ['medecin', 'infirmier'];
const STATUS = { member: 'adhérente', applied: 'demande en cours', rejected: 'refusée', left: 'sortie' };

run(async () => {
  const { main, me } = await page({ space: 'equipe', title: 'Rechercher une personne ou une entreprise', current: 'portal/recherche.html' });
  const health = HEALTH.includes(me.role);
  const results = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'q', type: 'search', name: 'q', autocomplete: 'off', 'aria-describedby': 'q-aide', minlength: '2' });
  let seq = 0;
  let timer = null;

  async function search(q) {
    const mine = ++seq;
    if (q.length < 2) { results.replaceChildren(); return; }
    try {
      const insLike = health && /^[0-9AB ]{15,21}$/i.test(q) && q.replace(/ /g, '').length === 15;
      const [r, ins] = await Promise.all([
        api(`/membership/search?q=${encodeURIComponent(q)}`),
        insLike ? api(`/tracking/dmst?ins=${encodeURIComponent(q)}`).catch(() => ({ items: [] })) : null,
      ]);
      if (mine !== seq) return; // a later search answered first
      const parts = [];
      if (ins && ins.items.length) {
        parts.push(table('Dossier médical trouvé par l\'INS', ['Salarié', 'Né(e) le', 'Entreprise'],
          ins.items.map((w) => [`${w.last_name} ${w.first_name}`, dateFr(w.birth_date), w.legal_name || ''])));
      }
      if (r.workers.length) {
        parts.push(table(`Salariés (${r.workers.length}${r.workers.length === 20 ? ' premiers' : ''})`, ['Salarié', 'Né(e) le', 'Poste', 'Entreprise', 'Situation'],
          r.workers.map((w) => [`${w.last_name} ${w.first_name}`, dateFr(w.birth_date), w.job_title, w.company_name,
            w.end_date ? `sorti(e) le ${dateFr(w.end_date)}` : `depuis le ${dateFr(w.start_date)}`])));
      }
      if (r.companies.length) {
        parts.push(table(`Entreprises (${r.companies.length})`, ['Entreprise', 'SIRET', 'N° d\'adhérent', 'Statut'],
          r.companies.map((c) => [c.legal_name, c.siret, c.member_number || '—', STATUS[c.status] || c.status])));
      }
      results.replaceChildren(...(parts.length ? parts : [h('p', {}, `Aucun résultat pour « ${q} ».`)]));
    } catch (err) {
      if (mine === seq) results.replaceChildren(notice('error', err.message));
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value.trim()), 200);
  });
  main.append(
    h('form', { role: 'search', 'aria-label': 'Rechercher', class: 'card', onsubmit: (ev) => { ev.preventDefault(); search(input.value.trim()); } },
      h('div', { class: 'field' },
        h('label', { for: 'q' }, 'Nom, date de naissance, entreprise, SIRET ou n° d\'adhérent'),
        h('p', { class: 'hint', id: 'q-aide' }, health
          ? 'Par exemple « Martin Léa », « 12/04/1985 », « Boulangerie », « 732 829 320 00074 » ; ou l\'INS d\'un salarié (recherche tracée dans son dossier).'
          : 'Par exemple « Martin Léa », « 12/04/1985 », « Boulangerie », « 732 829 320 00074 ».'),
        input),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Rechercher'))),
    results);
  input.focus();
});
