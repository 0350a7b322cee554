// The employee's home: the next visit and why it is due.
import { page, run, h, url, api, dateFr, dateTimeFr, notice, workerOf } from './portal.js';

const MODE = { in_person: 'sur place', teleconsultation: 'en téléconsultation' };

run(async () => {
  const { main, me } = await page({ space: 'salarie', title: 'Accueil de l\'espace salarié', current: 'portal/salarie.html' });
  const worker = workerOf(me);
  main.append(h('p', {}, `Bonjour ${me.user.display_name}. Cet espace est le vôtre : votre employeur n'y a pas accès.`));
  const next = h('section', { class: 'card', 'aria-labelledby': 'next' }, h('h2', { id: 'next' }, 'Ma prochaine visite'));
  main.append(next);
  const scheduled = await api(`/tracking/workers/${worker}/visits?status=scheduled`);
  const soon = scheduled.items.filter((v) => v.slot).sort((a, b) => a.slot.starts_at.localeCompare(b.slot.starts_at))[0];
  if (soon) {
    next.append(h('dl', { class: 'facts' },
      h('dt', {}, 'Visite'), h('dd', {}, soon.type_label || soon.type),
      h('dt', {}, 'Quand'), h('dd', {}, dateTimeFr(soon.slot.starts_at)),
      h('dt', {}, 'Où'), h('dd', {}, `${soon.slot.site} (${MODE[soon.slot.mode] || soon.slot.mode})`)),
    h('p', {}, 'Votre convocation vous a été envoyée. Pour un empêchement, appelez le service.'));
  } else {
    next.append(h('p', {}, 'Aucune visite n\'est programmée pour le moment.'));
  }
  try {
    const [nv, types] = await Promise.all([api(`/tracking/workers/${worker}/next-visits`),
      api('/tracking/visit-types').then((r) => r.items).catch(() => [])]);
    const label = (t) => (types.find((x) => x.type === t) || {}).label || t;
    const why = h('section', { class: 'card', 'aria-labelledby': 'why' }, h('h2', { id: 'why' }, 'Pourquoi et quand mes prochaines visites ?'));
    const visits = (nv.result && nv.result.visits) || nv.visits || [];
    if (!visits.length) why.append(h('p', {}, 'Aucune visite n\'est due pour le moment.'));
    for (const v of visits) {
      why.append(h('div', {},
        h('h3', {}, v.label || label(v.type)),
        h('p', {}, v.latest || v.before ? `À faire au plus tard le ${dateFr(v.latest || v.before)}.` : ''),
        (v.explanation || v.why) ? h('p', {}, v.explanation || v.why) : null,
        v.basis ? h('p', { class: 'hint' }, `Référence : ${[].concat(v.basis).join(', ')}`) : null));
    }
    main.append(why);
  } catch (err) {
    if (err.status !== 409) throw err;
  }
  main.append(h('p', {}, h('a', { href: url('tracking', 'mes-visites.html') }, 'Voir mes visites passées et mes documents'), ' · ',
    h('a', { href: url('tracking', 'mon-dossier.html') }, 'Qui a consulté mon dossier médical ?')));
  if (!soon) main.append(notice('info', 'En arrêt de travail de plus de 30 jours ? Vous pouvez demander une visite de pré-reprise depuis la page « Mes visites et documents ».'));
});
