// Forgotten password: a code by mail proves the address, then a new password.
import { page, run, h, url, api, field, form, notice, rememberSession, homeOf } from './portal.js';

run(async () => {
  const { main } = await page({ space: null, title: 'Mot de passe oublié' });
  const step2 = h('div');
  main.append(form('Recevoir un code', [
    h('p', {}, 'Nous envoyons un code à 6 chiffres à votre adresse ; il vous permet de choisir un nouveau mot de passe.'),
    field('email', 'Adresse e-mail du compte', { type: 'email', required: true, autocomplete: 'email' }),
  ], 'Recevoir un code', async (v) => {
    const r = await api('/auth/code', { method: 'POST', body: { email: v.email, purpose: 'reset' } });
    step2.replaceChildren(notice('ok', r.message), form('Choisir un nouveau mot de passe', [
      field('code', 'Code reçu par courriel', { required: true, inputmode: 'numeric', autocomplete: 'one-time-code' }),
      field('password', 'Nouveau mot de passe', { type: 'password', required: true, autocomplete: 'new-password',
        hint: 'Au moins 12 caractères. Une phrase que vous retenez facilement convient très bien.' }),
    ], 'Enregistrer et me connecter', async (w) => {
      const s = await api('/auth/password/reset', { method: 'POST', body: { email: v.email, code: w.code, password: w.password } });
      rememberSession(s);
      location.assign(homeOf(s.user.role));
    }));
    step2.querySelector('input').focus();
  }), step2);
});
