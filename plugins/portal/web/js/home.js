// The service's home: the two spaces, how to sign in, how to activate an employee space.
import { page, run, h, url, api, homeOf } from './portal.js';

run(async () => {
  const { main } = await page({ space: null, title: 'Bienvenue' });
  let me = null;
  try { me = await api('/auth/me'); } catch { /* not signed in */ }
  main.append(...[
    h('p', {}, 'Votre service de prévention et de santé au travail en ligne : déclarer vos salariés, organiser leurs visites, retrouver vos documents.'),
    me ? h('p', { class: 'notice' }, `Vous êtes connecté(e) : ${me.user.display_name}. `,
      h('a', { href: homeOf(me.role) }, 'Aller à mon espace')) : null,
    h('div', { class: 'cards' },
      h('section', { class: 'card', 'aria-labelledby': 'adh' },
        h('h2', { id: 'adh' }, 'Espace adhérent (employeurs)'),
        h('p', {}, 'Déclarez vos salariés, suivez leurs visites, téléchargez attestations et factures.'),
        h('p', {}, h('a', { href: url('portal', 'connexion.html', { espace: 'adherent' }) }, 'Se connecter à l\'espace adhérent'))),
      h('section', { class: 'card', 'aria-labelledby': 'sal' },
        h('h2', { id: 'sal' }, 'Espace salarié'),
        h('p', {}, 'Votre prochaine visite, vos documents, qui a consulté votre dossier médical. Votre employeur n\'y a pas accès.'),
        h('p', {}, h('a', { href: url('portal', 'connexion.html', { espace: 'salarie' }) }, 'Se connecter à l\'espace salarié')),
        h('p', {}, 'Première visite ? ', h('a', { href: url('portal', 'activation.html') }, 'Activer mon espace salarié'),
          ' avec le code remis par le service.'))),
    h('p', {}, 'Vous faites partie de l\'équipe du service ? ', h('a', { href: url('portal', 'connexion.html', { espace: 'equipe' }) }, 'Se connecter à l\'espace de l\'équipe'))].filter(Boolean));
});
