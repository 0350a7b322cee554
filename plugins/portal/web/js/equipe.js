// The staff workspace's home: who I am, and the sections my role opens.
import { page, run, h, api, url, ROLE_NAMES } from './portal.js';

run(async () => {
  const { main, me } = await page({ space: 'equipe', title: 'Espace de l\'équipe', current: 'portal/equipe.html' });
  main.append(h('p', {}, `Bonjour ${me.user.display_name} (${ROLE_NAMES[me.role] || me.role}).`));
  const links = [...document.querySelectorAll('nav.site-nav a')].filter((a) => !a.href.endsWith('equipe.html'));
  main.append(h('ul', { class: 'cards' }, links.map((a) => h('li', { class: 'card' }, h('a', { href: a.getAttribute('href') }, a.textContent)))));
  if (!['medecin', 'infirmier'].includes(me.role)) {
    main.append(h('p', { class: 'notice' }, 'Votre rôle ne donne pas accès au contenu médical des dossiers (secret médical, articles L4624-8 et R4624-45-3 du code du travail) : les pages le signalent là où il est masqué.'));
  }
  void api; void url;
});
