// My account: password change; for an employee, phone and SMS consent.
import { page, run, h, api, field, form, notice, workerOf } from './portal.js';

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
  main.append(form('Changer mon mot de passe', [
    field('current_password', 'Mot de passe actuel', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('password', 'Nouveau mot de passe', { type: 'password', required: true, autocomplete: 'new-password', hint: 'Au moins 12 caractères.' }),
  ], 'Changer le mot de passe', async (v, f) => {
    const r = await api('/auth/me/password', { method: 'PUT', body: v });
    f.reset();
    status.replaceChildren(notice('ok', r.message));
  }));
});
