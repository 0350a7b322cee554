// Espace de l'équipe: the PDP cell's day (cahier des charges 3.5): its cases
// (proposed by a signal, open, followed), the tasks due (first contacts,
// follow-ups at 3 and 6 months, the review a year on), and one case's
// journal with the steps each member may read (medical ones for health
// professionals only, the worker's opposition obeyed by the server).
import { page, run, h, api, dateFr, field, form, notice, table, url } from '../../portal/js/portal.js';

const STATUS = { proposed: 'proposé', open: 'ouvert', support: 'accompagnement', closed: 'clos', declined: 'refusé' };
// Why the case was proposed (the rule retention_signal's origin).
const ORIGIN = { arret_long: 'arrêt de travail prolongé', visite: 'visite du médecin du travail', visite_reprise: 'visite de reprise', demande: 'demande', signal: 'signal' };
const originText = (o) => ORIGIN[o] || o;
const CLASS = [['general', 'Générale (toute la cellule)'], ['medical', 'Médicale (professionnels de santé)'], ['social', 'Sociale'], ['study', 'Étude de poste']];
const TASK = { follow_up_3m: 'Suivi à 3 mois', follow_up_6m: 'Suivi à 6 mois', review_1y: 'Bilan à un an' };

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Cellule de maintien en emploi', current: 'retention/cellule.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  const id = new URLSearchParams(location.search).get('dossier');
  main.append(status);
  if (id) return showCase(main, id, say);

  const [cases, tasks] = await Promise.all([api('/retention/cases?limit=200'), api('/retention/tasks')]);
  const taskBox = h('section', { 'aria-labelledby': 'taches' });
  const renderTasks = (items) => taskBox.replaceChildren(h('h2', { id: 'taches' }, 'À faire'),
    items.length ? table('Tâches de la cellule, les plus anciennes d\'abord', ['Tâche', 'Dossier', 'Pour le', 'Action'],
      items.map((t) => [TASK[t.kind] || t.kind, h('a', { href: url('retention', 'cellule.html', { dossier: t.case_id }) }, `Dossier n° ${t.case_id}`), dateFr(t.due_on),
        t.status === 'done' ? 'faite' : h('button', { type: 'button', class: 'secondary', onclick: async () => {
          await api(`/retention/tasks/${t.id}/done`, { method: 'POST', body: {} });
          say('ok', `${TASK[t.kind] || t.kind} du dossier n° ${t.case_id} : faite.`);
          renderTasks((await api('/retention/tasks')).items);
        } }, `Marquer faite : ${TASK[t.kind] || t.kind}, dossier n° ${t.case_id}`)]))
      : h('p', {}, 'Aucune tâche en attente.'));
  renderTasks(tasks.items);
  main.append(taskBox,
    h('section', { 'aria-labelledby': 'dossiers' }, h('h2', { id: 'dossiers' }, 'Dossiers'),
      cases.items.length ? table('Dossiers de maintien en emploi', ['Dossier', 'État', 'Origine', 'Proposé le', 'Reprise'],
        cases.items.map((c) => [h('a', { href: url('retention', 'cellule.html', { dossier: c.id }) }, `Dossier n° ${c.id}`),
          STATUS[c.status] || c.status, originText(c.origin), dateFr(c.proposed_on), c.reprise_on ? dateFr(c.reprise_on) : '—']))
        : h('p', {}, 'Aucun dossier pour vous pour le moment.')));
});

async function showCase(main, id, say) {
  const c = await api(`/retention/cases/${encodeURIComponent(id)}`);
  document.querySelector('h1').textContent = `Dossier de maintien en emploi n° ${c.id}`;
  const journal = h('section', { 'aria-labelledby': 'journal' });
  const renderJournal = (steps) => journal.replaceChildren(h('h2', { id: 'journal' }, 'Journal du dossier'),
    steps.length ? h('ol', {}, steps.map((s) => h('li', {}, h('strong', {}, `${dateFr(s.on_date)} : ${s.title}`),
      s.content ? h('p', {}, s.content) : '', h('span', { class: 'hint' }, ` (${(CLASS.find((k) => k[0] === s.class) || [0, s.class])[1]})`))))
      : h('p', {}, 'Aucune étape pour le moment.'));
  renderJournal(c.steps);
  const hidden = ['medical', 'social', 'study'].filter((k) => !c.classes_read.includes(k));
  main.append(
    h('p', {}, h('a', { href: url('retention', 'cellule.html') }, 'Retour aux dossiers de la cellule')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'État'), h('dd', {}, STATUS[c.status] || c.status),
      h('dt', {}, 'Origine'), h('dd', {}, originText(c.origin)),
      h('dt', {}, 'Accord du salarié'), h('dd', {}, c.consents.length ? c.consents.map((k) => `${k.scope === 'employer' ? 'employeur' : 'partenaire'} : ${k.given ? 'oui' : 'non'}`).join(' ; ') : 'non recueilli')),
    hidden.length ? notice('info', `Étapes masquées pour votre rôle (secret médical ou opposition du salarié) : ${hidden.map((k) => (CLASS.find((x) => x[0] === k) || [0, k])[1]).join(', ')}.`) : '',
    journal);
  if (c.status === 'proposed') {
    main.append(h('div', { class: 'actions' }, h('button', { type: 'button', onclick: async () => {
      await api(`/retention/cases/${c.id}/open`, { method: 'POST', body: {} });
      location.assign(url('retention', 'cellule.html', { dossier: c.id }));
    } }, 'Ouvrir le dossier')));
  }
  if (c.status !== 'open') return;
  main.append(form('Ajouter une étape au journal', [
    field('title', 'Ce qui a été fait', { required: true, hint: 'Par exemple « Entretien avec le salarié ».' }),
    field('class', 'Qui peut la lire', { required: true, choices: CLASS.filter((k) => c.classes_read.includes(k[0])) }),
    field('content', 'Détails (facultatif)', { type: 'textarea' }),
    field('on_date', 'Date', { type: 'date' }),
  ], 'Ajouter l\'étape', async (v, f) => {
    const body = { kind: 'note', class: v.class, title: v.title };
    if (v.content) body.content = v.content;
    if (v.on_date) body.on_date = v.on_date;
    await api(`/retention/cases/${c.id}/steps`, { method: 'POST', body });
    f.reset();
    say('ok', 'Étape ajoutée au journal.');
    renderJournal((await api(`/retention/cases/${c.id}`)).steps);
  }));
}
