// Espace salarié: who read my medical file (in plain words), and my oppositions (L4624-8).
import { page, run, h, api, form, notice, table, workerOf } from '../../portal/js/portal.js';

run(async () => {
  const { main, me } = await page({ space: 'salarie', title: 'Mon dossier médical : accès et oppositions', current: 'tracking/mon-dossier.html' });
  const worker = workerOf(me);
  const status = h('div', { tabindex: '-1' });
  const acc = await api(`/tracking/dmst/${worker}/accesses?limit=200`);
  const opp = await api(`/tracking/workers/${worker}/oppositions`);
  main.append(status,
    h('section', { 'aria-labelledby': 'acc' }, h('h2', { id: 'acc' }, 'Qui a consulté mon dossier'),
      h('p', {}, 'Chaque consultation de votre dossier médical en santé au travail est enregistrée. Votre employeur n\'y a jamais accès.'),
      // Each access in the service's words and local time ("… le 3 décembre 2026 à 10 h 12").
      acc.items.length ? table('Consultations de mon dossier', ['Consultation'], acc.items.map((a) => [a.text]))
        : h('p', {}, 'Personne n\'a encore consulté votre dossier.')),
    form('Mes choix (article L4624-8 du code du travail)', [
      h('p', {}, 'Votre dossier est lu par le médecin du travail. Vous pouvez vous opposer à ce que les autres professionnels de santé du service (infirmiers, par exemple) y accèdent, et à ce qu\'il soit transmis à un autre médecin du travail (si vous changez de service, par exemple). Vous pouvez changer d\'avis à tout moment ; le médecin du travail est prévenu.'),
      h('div', { class: 'field field-check' },
        h('input', { type: 'checkbox', id: 'opp-other', name: 'opposition_other_professionals', checked: opp.opposition_other_professionals }),
        h('label', { for: 'opp-other' }, 'Je m\'oppose à l\'accès des autres professionnels de santé que le médecin du travail')),
      h('div', { class: 'field field-check' },
        h('input', { type: 'checkbox', id: 'opp-transfer', name: 'opposition_transfer', checked: opp.opposition_transfer }),
        h('label', { for: 'opp-transfer' }, 'Je m\'oppose à la transmission de mon dossier à un autre médecin du travail')),
    ], 'Enregistrer mes choix', async (v) => {
      await api(`/tracking/workers/${worker}/oppositions`, { method: 'PUT', body: v });
      status.replaceChildren(notice('ok', 'Vos choix sont enregistrés et s\'appliquent dès maintenant. Le médecin du travail en est informé.'));
      status.focus();
    }));
});
