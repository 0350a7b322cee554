// An employee opens the space with the code the service handed over.
import { page, run, h, url, api, field, form, notice, rememberSession, homeOf } from './portal.js';

run(async () => {
  const { main } = await page({ space: null, title: 'Activer mon espace salarié' });
  const done = h('div');
  main.append(
    h('p', {}, 'Le service de santé au travail vous a remis un code (lors d\'une visite ou par courrier). Il sert une seule fois. ',
      'Vous choisissez ici votre adresse e-mail et votre mot de passe : votre employeur n\'a pas accès à cet espace.'),
    form('Vos informations', [
      field('code', 'Code d\'activation', { required: true, hint: '10 lettres et chiffres, par exemple ABCDE-23456.', autocomplete: 'off' }),
      field('birth_date', 'Date de naissance', { type: 'date', required: true, hint: 'Elle confirme que ce code est bien le vôtre.' }),
      field('email', 'Votre adresse e-mail', { type: 'email', required: true, autocomplete: 'email',
        hint: 'Une adresse personnelle : elle servira à vous connecter et à recevoir vos convocations.' }),
      field('password', 'Mot de passe', { type: 'password', required: true, autocomplete: 'new-password',
        hint: 'Au moins 12 caractères.' }),
    ], 'Activer mon espace', async (v, f) => {
      const r = await api('/portal/activate', { method: 'POST', body: v });
      // The person has just proved who they are: open the space at once.
      try {
        const s = await api('/auth/login', { method: 'POST', body: { email: v.email, password: v.password } });
        rememberSession(s);
        location.assign(homeOf(s.user.role));
        return;
      } catch { /* throttled or refused: the link below still works */ }
      f.remove();
      done.replaceChildren(notice('ok', r.message, ' ', h('a', { href: url('portal', 'connexion.html', { espace: 'salarie' }) }, 'Se connecter')));
      done.querySelector('a').focus();
    }), done);
});
