// The médecin's and the infirmier's agenda: today and the week, each visit with why it is due.
import { page, run, h, api, url, dateFr, table, field, form } from '../../portal/js/portal.js';

// The week before or after @p from (AAAA-MM-JJ).
const shift = (from, days) => { const d = new Date(`${from}T12:00:00Z`); d.setUTCDate(d.getUTCDate() + days); return d.toISOString().slice(0, 10); };

const MODE = { in_person: 'sur place', teleconsultation: 'téléconsultation' };
const STATUS = { scheduled: 'programmée', done: 'réalisée', missed: 'absent', cancelled: 'annulée' };

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Mon agenda', current: 'tracking/agenda.html' });
  const q = new URLSearchParams(location.search);
  const list = h('div');
  async function show(from) {
    const a = await api(`/tracking/agenda${from ? `?from=${from}` : ''}`);
    const days = new Map();
    for (const it of a.items) {
      const d = it.starts_at.slice(0, 10);
      if (!days.has(d)) days.set(d, []);
      days.get(d).push(it);
    }
    // The weeks around, by link or by keyboard (Alt + Maj + P / N in
    // Firefox, Alt + P / N in Chromium: the browser's access keys).
    list.replaceChildren(h('p', {}, `Du ${dateFr(a.from)} au ${dateFr(a.to)} : ${a.items.filter((i) => i.visit).length} visite(s), ${a.items.filter((i) => !i.visit).length} créneau(x) libre(s).`),
      h('nav', { 'aria-label': 'Semaines' }, h('ul', { class: 'inline' },
        h('li', {}, h('a', { href: url('tracking', 'agenda.html', { du: shift(a.from, -7) }), accesskey: 'p', 'aria-keyshortcuts': 'Alt+P' }, 'Semaine précédente')),
        h('li', {}, h('a', { href: url('tracking', 'agenda.html', { du: shift(a.from, 7) }), accesskey: 'n', 'aria-keyshortcuts': 'Alt+N' }, 'Semaine suivante')))),
      h('p', { class: 'hint' }, 'Raccourcis : Alt + P et Alt + N (Alt + Maj dans Firefox) changent de semaine ; dans un formulaire, Ctrl + Entrée l\'envoie.'));
    if (!days.size) list.append(h('p', {}, 'Aucun créneau sur cette période.'));
    for (const [d, items] of days) {
      list.append(h('h2', {}, dateFr(d)), table(`Agenda du ${dateFr(d)}`, ['Heure', 'Salarié', 'Entreprise', 'Visite', 'Pourquoi', 'Lieu'],
        items.map((it) => [`${it.starts_at.slice(11, 13)} h ${it.starts_at.slice(14, 16)}`,
          it.visit ? h('a', { href: url('tracking', 'visite.html', { id: it.visit.request_id }) }, `${it.worker.last_name} ${it.worker.first_name}`) : 'libre',
          it.worker ? it.worker.company || '' : '',
          it.visit ? `${it.visit.type_label}${it.visit.status !== 'scheduled' ? ` (${STATUS[it.visit.status] || it.visit.status})` : ''}` : '',
          it.visit ? it.visit.why : '', `${it.site}, ${MODE[it.mode] || it.mode}`])));
    }
  }
  main.append(form('Autre semaine', [field('from', 'À partir du', { type: 'date', value: q.get('du') || '' })], 'Afficher', async (v) => show(v.from)), list);
  await show(q.get('du'));
});
