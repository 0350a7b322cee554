// Résultats de la sensibilisation (espace de l'équipe, seed 3.4.1.3 and
// 3.4.1.4): the indicators over a period, for the service, one company or one
// NAF division (companies and workers having benefited from awareness and
// from advice, satisfaction and utility rates, knowledge gain); and, per
// session that has begun, its questionnaire and quiz results, with the quiz
// scores to enter for each participant present.
import { page, run, h, api, ApiError, dateFr, dateTimeFr, field, form, notice, table } from '../../portal/js/portal.js';

const pct = (x) => (x == null ? '—' : `${String(x).replace('.', ',')} %`);
const num = (x) => (x == null ? '—' : String(x).replace('.', ','));
const signed = (x) => (x == null ? '—' : `${x > 0 ? '+' : ''}${num(x)} point(s)`);
const share = (part) => `${pct(part.rate)} (${part.benefited} sur ${part.total})`;

// One field's error, said beside it as the API's are.
const refuse = (fieldName, message) => new ApiError(422, { error: { message: 'Certains champs sont invalides : corrigez-les et réessayez.', fields: [{ field: fieldName, message }] } });

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Résultats de la sensibilisation', current: 'awareness/resultats.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const indicators = h('div', { tabindex: '-1' });
  const sessions = h('section', { 'aria-labelledby': 'sessions' });
  const detail = h('div', { tabindex: '-1' });

  function showIndicators(r, scope) {
    indicators.replaceChildren(h('section', { 'aria-labelledby': 'indic' },
      h('h2', { id: 'indic' }, `Indicateurs du ${dateFr(r.from)} au ${dateFr(r.to)}, ${scope}`),
      table('Indicateurs de sensibilisation et de conseil', ['Indicateur', 'Valeur'], [
        ['Entreprises ayant bénéficié d\'une sensibilisation', share(r.companies)],
        ['Salariés ayant bénéficié d\'une sensibilisation', share(r.workers)],
        ['Entreprises ayant bénéficié de conseils', share(r.advice.companies)],
        ['Salariés ayant bénéficié de conseils', share(r.advice.workers)],
        ['Participants satisfaits (4 ou 5 sur 5)', `${pct(r.satisfaction_rate)} de ${r.answers} questionnaire(s)`],
        ['Participants jugeant l\'action utile (4 ou 5 sur 5)', `${pct(r.utility_rate)} de ${r.answers} questionnaire(s)`],
        ['Gain moyen de connaissances (quiz avant et après)', `${signed(r.knowledge_gain)} sur ${r.quizzes} quiz`],
      ])));
    indicators.focus();
  }

  async function showResults(s) {
    const r = await api(`/awareness/sessions/${s.id}/results`);
    const g = r.group;
    const present = r.participants.filter((p) => p.attended === 1);
    const label = `${s.title}, ${dateTimeFr(s.starts_at)}`;
    const children = [h('h2', { id: 'resultats' }, `Résultats : ${label}`),
      h('p', {}, `${g.present} présent(s), ${g.answers} questionnaire(s) : satisfaction ${pct(g.satisfaction_rate)}, utilité ${pct(g.utility_rate)}`
        + (s.has_quiz ? ` ; quiz : ${num(g.mean_before)} avant, ${num(g.mean_after)} après, gain moyen ${signed(g.knowledge_gain)}.` : '.')),
      present.length ? table(`Participants présents à ${label}`, ['Participant', 'Satisfaction', 'Utilité', ...(s.has_quiz ? ['Quiz avant', 'Quiz après'] : [])],
        present.map((p) => [p.name, p.satisfaction ? `${p.satisfaction} sur 5` : 'pas de réponse', p.utility ? `${p.utility} sur 5` : 'pas de réponse',
          ...(s.has_quiz ? [num(p.score_before), num(p.score_after)] : [])]))
        : h('p', {}, 'Personne n\'est noté présent : enregistrez d\'abord les présences (« Sessions de sensibilisation »).')];
    const toScore = present.filter((p) => p.score_before == null);
    if (s.has_quiz && toScore.length) {
      children.push(form(`Saisir un quiz de ${label}`, [
        field('registration', 'Participant', { required: true, choices: toScore.map((p) => [String(p.registration_id), p.name]) }),
        field('score_before', 'Score avant l\'atelier (sur 100)', { type: 'number', required: true }),
        field('score_after', 'Score après l\'atelier (sur 100)', { type: 'number', required: true }),
      ], 'Enregistrer le quiz', async (v) => {
        const p = toScore.find((x) => String(x.registration_id) === v.registration);
        await api(`/awareness/registrations/${v.registration}/quiz`, { method: 'POST', body: {
          score_before: v.score_before === '' ? null : Number(v.score_before), score_after: v.score_after === '' ? null : Number(v.score_after) } });
        await showResults(s);
        say('ok', `Quiz de ${p.name} enregistré.`);
      }));
    }
    detail.replaceChildren(h('section', { 'aria-labelledby': 'resultats' }, ...children));
    detail.focus();
  }

  async function refresh() {
    const past = (await api('/awareness/sessions?past=1&limit=100')).items;
    sessions.replaceChildren(h('h2', { id: 'sessions' }, 'Résultats par session'),
      past.length ? table('Sessions commencées', ['Action', 'Date', 'Quiz', 'Résultats'],
        past.map((s) => [s.title, dateTimeFr(s.starts_at), s.has_quiz ? 'oui' : 'non',
          h('button', { type: 'button', class: 'secondary', onclick: () => showResults(s).catch((err) => say('error', err.message)) },
            `Résultats de la session ${s.title}, ${dateTimeFr(s.starts_at)}`)]))
        : h('p', {}, 'Aucune session n\'a encore commencé.'));
  }

  main.append(status, form('Indicateurs', [
    h('p', {}, 'Par défaut, les cinq ans qui précèdent aujourd\'hui, pour tout le service.'),
    field('from', 'Du', { type: 'date' }),
    field('to', 'Au', { type: 'date' }),
    field('company', 'Entreprise (nom ou SIRET)', { hint: 'Facultatif : les indicateurs d\'une seule entreprise.' }),
    field('naf_division', 'Division NAF', { hint: 'Facultatif : deux chiffres, par exemple « 43 ».' }),
  ], 'Calculer', async (v) => {
    const q = new URLSearchParams();
    if (v.from) q.set('from', v.from);
    if (v.to) q.set('to', v.to);
    if (v.naf_division) q.set('naf_division', v.naf_division);
    let scope = v.naf_division ? `division NAF ${v.naf_division}` : 'tout le service';
    if (v.company) {
      const found = (await api(`/membership/companies?status=member&q=${encodeURIComponent(v.company)}&limit=6`)).items;
      if (!found.length) throw refuse('company', 'aucune entreprise adhérente ne correspond');
      if (found.length > 1) throw refuse('company', `plusieurs entreprises correspondent (${found.slice(0, 5).map((c) => c.legal_name).join(', ')}) : précisez le nom ou donnez le SIRET`);
      q.set('company_id', String(found[0].id));
      scope = found[0].legal_name;
    }
    showIndicators(await api(`/awareness/indicators?${q}`), scope);
  }), indicators, sessions, detail);
  await refresh();
});
