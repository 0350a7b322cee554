// Sign-in: a code received by mail (the usual way) or the password.
import { page, run, h, url, api, field, form, notice, rememberSession, homeOf, ApiError } from './portal.js';

function landing(answer) {
  const back = new URLSearchParams(location.search).get('retour');
  // Only a page of this site (never an address another site could pass), and
  // never a sign-in page itself (it would bring the person back here).
  const authPage = /\/portal\/(connexion|mot-de-passe|activation|invitation)\.html/;
  if (back && back.startsWith('/') && !back.startsWith('//') && !authPage.test(back)) return back;
  return homeOf(answer.user.role);
}

// An account with a second factor: the same form asks for the application's
// code, then is sent again with it.
async function withSecondFactor(f, path, body, v) {
  if (v.totp) body.totp = v.totp;
  try {
    return await api(path, { method: 'POST', body });
  } catch (err) {
    if (!(err instanceof ApiError) || !err.body || !err.body.error || err.body.error.code !== 'second_factor_required') throw err;
    if (!f.querySelector('[name=totp]')) {
      const actions = f.querySelector('.actions');
      actions.before(notice('info', err.message),
        field('totp', 'Code de votre application d\'authentification', { required: true, inputmode: 'numeric', autocomplete: 'one-time-code',
          hint: '6 chiffres, ou un code de secours.' }));
    }
    f.querySelector('[name=totp]').focus();
    return null;
  }
}

run(async () => {
  const { main } = await page({ space: null, title: 'Se connecter' });
  const q = new URLSearchParams(location.search);
  if (q.get('deconnecte')) main.append(notice('ok', 'Vous êtes déconnecté(e).'));
  if (q.get('retour')) main.append(notice('info', 'Votre session est terminée : reconnectez-vous pour continuer.'));

  const codeStep2 = h('div');
  let email = '';
  const ask = form('Recevoir un code par courriel', [
    h('p', {}, 'Le plus simple : saisissez votre adresse, nous vous envoyons un code à 6 chiffres valable 10 minutes.'),
    field('email', 'Adresse e-mail', { type: 'email', required: true, autocomplete: 'email' }),
  ], 'Recevoir un code', async (v) => {
    email = v.email;
    const r = await api('/auth/code', { method: 'POST', body: { email } });
    codeStep2.replaceChildren(
      notice('ok', r.message),
      form('Saisir le code reçu', [
        field('code', 'Code reçu par courriel (6 chiffres)', { required: true, inputmode: 'numeric', autocomplete: 'one-time-code' }),
      ], 'Se connecter', async (w, f) => {
        const s = await withSecondFactor(f, '/auth/code/verify', { email, code: w.code }, w);
        if (!s) return;
        rememberSession(s);
        location.assign(landing(s));
      }));
    codeStep2.querySelector('input').focus();
  });
  const pw = form('Se connecter avec un mot de passe', [
    field('email', 'Adresse e-mail', { type: 'email', required: true, autocomplete: 'username' }),
    field('password', 'Mot de passe', { type: 'password', required: true, autocomplete: 'current-password' }),
  ], 'Se connecter', async (v, f) => {
    const s = await withSecondFactor(f, '/auth/login', { email: v.email, password: v.password }, v);
    if (!s) return;
    rememberSession(s);
    location.assign(landing(s));
  });
  main.append(ask, codeStep2, pw,
    h('p', {}, h('a', { href: url('portal', 'mot-de-passe.html') }, 'Mot de passe oublié')),
    h('p', {}, 'Salarié, vous n\'avez pas encore de compte ? ',
      h('a', { href: url('portal', 'activation.html') }, 'Activer mon espace salarié')));
});
