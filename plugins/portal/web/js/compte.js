// My account: password change; for an employee, phone and SMS consent; for
// the service's team, the second factor (TOTP) and its recovery codes.
import { page, run, h, api, field, form, notice, workerOf, STAFF_ROLES } from './portal.js';

run(async () => {
  const who = await api('/auth/me').catch(() => ({}));
  const space = who.role === 'employee' ? 'salarie' : who.role === 'employer' ? 'adherent' : 'equipe';
  const { main, me } = await page({ space, title: 'Mon compte', current: 'portal/compte.html' });
  const status = h('div');
  main.append(status, h('dl', { class: 'facts' }, h('dt', {}, 'Nom'), h('dd', {}, me.user.display_name),
    h('dt', {}, 'Adresse e-mail'), h('dd', {}, me.user.email)));
  if (me.role === 'employee') {
    const worker = workerOf(me);
    const c = await api(`/portal/workers/${worker}/contact`);
    main.append(form('Mon téléphone et les SMS', [
      h('p', {}, 'Le service peut vous envoyer un rappel de convocation par SMS si vous l\'acceptez. Vous pouvez changer d\'avis à tout moment.'),
      field('phone', 'Téléphone portable', { type: 'tel', value: c.phone || '', autocomplete: 'tel' }),
      field('sms_consent', 'J\'accepte de recevoir des SMS du service (rappels de visite)', { type: 'checkbox', value: c.sms_consent }),
    ], 'Enregistrer mes choix', async (v) => {
      await api(`/portal/workers/${worker}/contact`, { method: 'PUT', body: { phone: v.phone, sms_consent: v.sms_consent } });
      status.replaceChildren(notice('ok', 'Vos choix sont enregistrés.'));
      status.focus();
    }));
  }
  if (STAFF_ROLES.includes(me.role)) main.append(await secondFactor(status));
  main.append(form('Changer mon mot de passe', [
    field('current_password', 'Mot de passe actuel', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('password', 'Nouveau mot de passe', { type: 'password', required: true, autocomplete: 'new-password', hint: 'Au moins 12 caractères.' }),
  ], 'Changer le mot de passe', async (v, f) => {
    const r = await api('/auth/me/password', { method: 'PUT', body: v });
    f.reset();
    status.replaceChildren(notice('ok', r.message));
  }));
});

// The second factor: on or off, required or offered; enrolment in two steps
// (the key to type in the application, then its first code), the recovery
// codes shown once.
async function secondFactor(status) {
  const box = h('section', { class: 'card', 'aria-labelledby': 'totp' });
  const t = await api('/auth/me/totp');
  const title = h('h2', { id: 'totp' }, 'Double authentification');
  if (t.enabled) {
    box.append(title, h('p', {}, 'Active : chaque connexion demande aussi le code de votre application d\'authentification. Téléphone perdu ? Utilisez un code de secours, puis demandez à l\'administrateur du service de la réinitialiser.'));
    return box;
  }
  const advice = notice(t.required ? 'error' : 'info', t.required
    ? 'Votre rôle l\'exige : les dossiers médicaux vous restent fermés tant qu\'elle n\'est pas active.'
    : 'Recommandée : un code de votre téléphone en plus du mot de passe.');
  box.append(title, advice);
  const step = h('div');
  box.append(step, h('div', { class: 'actions' }, h('button', { type: 'button', onclick: async (ev) => {
    const k = await api('/auth/me/totp', { method: 'POST', body: {} });
    ev.target.remove();
    step.replaceChildren(
      h('p', {}, k.instructions),
      h('p', {}, 'Clé à saisir dans l\'application : ', h('code', { id: 'totp-secret' }, k.secret)),
      form('Confirmer avec le premier code', [
        field('code', 'Code à 6 chiffres affiché par l\'application', { required: true, inputmode: 'numeric', autocomplete: 'one-time-code' }),
      ], 'Activer la double authentification', async (v) => {
        const r = await api('/auth/me/totp/confirm', { method: 'POST', body: { code: v.code } });
        advice.remove(); // it is active now: no longer "recommended" nor "required"
        step.replaceChildren(notice('ok', r.message),
          h('ol', { class: 'recovery-codes', 'aria-label': 'Codes de secours' }, r.recovery_codes.map((c) => h('li', {}, h('code', {}, c)))));
        status.replaceChildren();
      }));
    step.querySelector('input').focus();
  } }, 'Activer la double authentification')));
  return box;
}
