// Relais et organismes de formation (espace de l'équipe, seed 3.4.3): the
// relays of the branches (NAF divisions), who receive the service's
// information mailings for their sector, and the directory of accredited
// training bodies to which the companies refer their designated competent
// employees. The companies' own relays are kept by each company in its space.
import { page, run, h, api, field, form, notice, table } from '../../portal/js/portal.js';

// A body's e-mail and site, as links.
function contact(b) {
  const parts = [];
  if (b.email) parts.push(h('a', { href: `mailto:${b.email}` }, b.email));
  if (b.url) parts.push(h('a', { href: b.url, rel: 'noopener' }, b.url));
  return parts.length ? h('span', {}, ...parts.flatMap((x, i) => (i ? [', ', x] : [x]))) : '—';
}

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Relais et organismes de formation', current: 'awareness/reseau.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const relays = h('section', { 'aria-labelledby': 'branches' });
  const bodies = h('section', { 'aria-labelledby': 'organismes' });

  async function refreshRelays() {
    const all = (await api('/awareness/relays?limit=1000')).items;
    const branch = all.filter((r) => r.naf_division);
    relays.replaceChildren(h('h2', { id: 'branches' }, 'Relais des branches'),
      h('p', {}, `Ils reçoivent les envois d'information destinés à leur secteur. Les entreprises tiennent elles-mêmes les leurs dans leur espace (${all.length - branch.length} relais d'entreprise à ce jour).`),
      branch.length ? table('Relais des branches', ['Nom', 'Division NAF', 'Adresse e-mail', 'Envois', 'Retirer'],
        branch.map((r) => [r.name, r.naf_division, r.email, r.unsubscribed ? 'désinscrit(e) : ne reçoit plus rien' : 'reçoit les envois',
          h('button', { type: 'button', class: 'secondary', onclick: async () => {
            if (!confirm(`Retirer ${r.name} des relais de la division ${r.naf_division} ?`)) return;
            try {
              await api(`/awareness/relays/${r.id}`, { method: 'DELETE' });
              await refreshRelays();
              say('ok', `${r.name} n'est plus relais de la division ${r.naf_division}.`);
            } catch (err) { say('error', err.message); }
          } }, `Retirer ${r.name} (division ${r.naf_division})`)]))
        : h('p', {}, 'Aucun relais de branche pour le moment.'),
      form('Ajouter un relais de branche', [
        field('naf_division', 'Division NAF', { required: true, hint: 'Deux chiffres : par exemple « 43 » pour les travaux de construction spécialisés.' }),
        field('name', 'Nom (personne ou organisation)', { required: true }),
        field('email', 'Adresse e-mail', { type: 'email', required: true }),
      ], 'Ajouter le relais', async (v, f) => {
        await api('/awareness/relays', { method: 'POST', body: { naf_division: v.naf_division, name: v.name, email: v.email } });
        f.reset();
        await refreshRelays();
        say('ok', `${v.name} recevra les envois destinés à la division ${v.naf_division}.`);
      }));
  }

  async function refreshBodies() {
    const list = (await api('/awareness/training-bodies?limit=500')).items;
    bodies.replaceChildren(h('h2', { id: 'organismes' }, 'Organismes de formation habilités'),
      h('p', {}, 'L\'annuaire que le service tient pour orienter les salariés désignés compétents (article L4644-1) vers une formation qu\'il ne donne pas lui-même.'),
      list.length ? table('Annuaire des organismes de formation', ['Organisme', 'Habilitation', 'Ville', 'Contact'],
        list.map((b) => [b.name, b.accreditation, b.city || '—', contact(b)]))
        : h('p', {}, 'L\'annuaire est vide.'),
      form('Ajouter un organisme', [
        field('name', 'Nom de l\'organisme', { required: true }),
        field('accreditation', 'Habilitation ou certification', { required: true, hint: 'Par exemple « Organisme certifié Qualiopi ».' }),
        field('city', 'Ville'),
        field('email', 'Adresse e-mail', { type: 'email' }),
        field('url', 'Site', { type: 'url' }),
      ], 'Ajouter à l\'annuaire', async (v, f) => {
        const body = { name: v.name, accreditation: v.accreditation };
        for (const k of ['city', 'email', 'url']) if (v[k]) body[k] = v[k];
        await api('/awareness/training-bodies', { method: 'POST', body });
        f.reset();
        await refreshBodies();
        say('ok', `${v.name} est dans l'annuaire.`);
      }));
  }

  main.append(status, relays, bodies);
  await refreshRelays();
  await refreshBodies();
});
