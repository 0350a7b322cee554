// The link of membership's invitation mail: the invited person chooses a password.
import { page, run, h, url, api, field, form, notice } from './portal.js';

run(async () => {
  const token = new URLSearchParams(location.search).get('token') || '';
  // The token stays in this page only: out of the address bar and history.
  history.replaceState(null, '', location.pathname);
  const { main } = await page({ space: null, title: 'Activer mon compte employeur' });
  if (!/^[A-Za-z0-9_-]{64}$/.test(token)) {
    main.append(notice('error', 'Ce lien d\'invitation est incomplet : ouvrez-le à nouveau depuis le courriel reçu, sans le couper.'));
    return;
  }
  const done = h('div', { tabindex: '-1' });
  main.append(h('p', {}, 'Vous avez été invité(e) à l\'espace adhérent de votre entreprise. Choisissez votre mot de passe pour activer votre compte ; votre identifiant est l\'adresse qui a reçu l\'invitation.'),
    form('Choisir mon mot de passe', [
      field('password', 'Mot de passe', { type: 'password', required: true, autocomplete: 'new-password',
        hint: 'Au moins 12 caractères. Une phrase que vous retenez facilement convient très bien.' }),
    ], 'Activer mon compte', async (v, f) => {
      await api('/membership/invitations/accept', { method: 'POST', body: { token, password: v.password } });
      f.remove();
      done.replaceChildren(notice('ok', 'Votre compte est activé. ',
        h('a', { href: url('portal', 'connexion.html', { espace: 'adherent' }) }, 'Se connecter à l\'espace adhérent')));
      done.focus();
    }), done);
});
