#!/bin/sh
# Parcours 2 : d'un salarié déclaré à sa convocation.
#
# L'employeur demande la visite due d'un salarié, l'assistante médicale ouvre
# un créneau du médecin du travail proposé au choix des entreprises,
# l'employeur le réserve, la convocation part par courriel. La suite, le jour
# de la visite une fois son heure venue, est le parcours 3
# (03-visite-et-documents.sh) : le script le dit en finissant, avec le numéro
# de la demande à lui donner.
#
# Le salarié est le travailleur n° 1 des données de démonstration (entreprise
# n° 1, Boulangerie Durand) : les comptes employeur@SERVICE.example et
# salarie@SERVICE.example de tools/demo.sh y sont rattachés (les comptes de
# salariés se créent par `socle user add --worker N`, il n'y a pas de route
# pour cela). Le parcours 1 montre comment déclarer un salarié.
#
# Chaque étape affiche la requête envoyée (« > ») et un extrait de la réponse
# (« < ») ; le script s'arrête au premier statut inattendu (code de sortie 1).
#
# Usage, avec la démo lancée par `make run` (depuis la racine du dépôt) :
#   sh examples/walkthroughs/02-declaration-a-la-convocation.sh
# Paramètres (variables d'environnement) :
#   BASE        adresse du serveur (http://127.0.0.1:8080)
#   SERVICE     service visé (demo)
#   OUTBOX      dossier des courriels de la démo : sans transport SMTP, chaque
#               courriel est un fichier .eml de OUTBOX/SERVICE/ (clé "mail" de
#               docs/config.md) ; par défaut build/release/demo/outbox
#   PASSWORD    mot de passe des comptes de démonstration (demo-socle-2026)
#   NOW         l'heure du service (AAAA-MM-JJTHH:MM:SSZ) quand sa config la
#               fige (clé "clock", ce que fait le test) ; par défaut l'heure
#               de la machine
#   SERVICE_TZ  le fuseau des créneaux (réglage tracking.time_zone du
#               service ; Europe/Paris par défaut)
# Outils : sh POSIX, curl, sed, grep, tr et date (GNU, pour `date -d`) ; pas
# de jq : les valeurs sont lues avec sed (fonction json_val).
#
# Les dates. Un créneau doit commencer dans le futur : le créneau est pris
# aujourd'hui, une heure après NOW, pour que le parcours 3 puisse suivre le
# jour même (le médecin ne saisit les conclusions qu'une fois la visite
# commencée). « Aujourd'hui » est la date UTC du service, le créneau est à
# l'heure locale et finit avant minuit : entre 22 h 30 et 2 h du matin (heure
# de Paris), il n'y a plus de créneau possible le même jour et le script le
# dit. Relancer le script demande la visite suivante du même salarié (après
# la visite initiale, le suivi adapté) : il faut d'abord avoir tenu la
# précédente (parcours 3).
set -eu

BASE=${BASE:-http://127.0.0.1:8080}
SERVICE=${SERVICE:-demo}
OUTBOX=${OUTBOX:-build/release/demo/outbox}
PASSWORD=${PASSWORD:-demo-socle-2026}
NOW=${NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
SERVICE_TZ=${SERVICE_TZ:-Europe/Paris}
API="$BASE/api/v1/$SERVICE"
TODAY=$(date -u -d "$NOW" +%F) # la date du service (UTC)
COMPANY=1 WORKER=1             # rattachés aux comptes de démonstration

# ---- Outils (les mêmes dans chaque parcours : chaque script se suffit) ----
TMP=$(mktemp -d "${TMPDIR:-/tmp}/socle-parcours-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BODY="$TMP/body"

# call STATUTS MÉTHODE CHEMIN [JETON] [JSON] : envoie la requête, affiche la
# requête et un extrait de la réponse (gardée dans $BODY), s'arrête si le
# statut n'est pas l'un de STATUTS (« 200 » ou « 200|201 »). Le statut reçu
# est dans $STATUS.
call() {
	want=$1 method=$2 path=$3 token=${4:-} data=${5:-}
	printf '\n> %s %s\n' "$method" "$API$path"
	[ -z "$data" ] || printf '> %s\n' "$data"
	set -- -sS -o "$BODY" -w '%{http_code}' -X "$method"
	[ -z "$token" ] || set -- "$@" -H "Authorization: Bearer $token"
	[ -z "$data" ] || set -- "$@" -H 'Content-Type: application/json' --data-binary "$data"
	STATUS=$(curl "$@" "$API$path") || fail "curl n'a pas abouti ($API$path)"
	printf '< %s %s\n' "$STATUS" "$(excerpt)"
	case "|$want|" in
	*"|$STATUS|"*) ;;
	*) fail "$method $path : statut $STATUS, attendu $want" ;;
	esac
}
# Les 300 premiers caractères de la réponse, sur une ligne.
excerpt() {
	tr '\n' ' ' <"$BODY" | LC_ALL=C.UTF-8 sed 's/^\(.\{300\}\).\{1,\}$/\1…/'
}
# json_val CLÉ : la première valeur de "CLÉ" dans la dernière réponse (texte,
# nombre, true, false ou null). Suffit pour les identifiants, dates et codes
# lus ici (sans virgule ni guillemet) ; ce n'est pas un analyseur JSON.
json_val() {
	tr '{}[],' '[\n*]' <"$BODY" |
		sed -n "s/^ *\"$1\" *: *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" | head -n 1
}
# login COURRIEL : ouvre une session ; le jeton est dans $TOKEN.
login() {
	call 200 POST /auth/login "" "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}"
	TOKEN=$(json_val token)
}
# find_mail DESTINATAIRE CATÉGORIE TEXTE : le courriel de OUTBOX/SERVICE/ pour
# DESTINATAIRE, de cette catégorie (en-tête X-Socle-Category), contenant
# TEXTE, dans $MAIL. Les courriels partent par une tâche juste après la
# réponse : on attend jusqu'à 30 s.
find_mail() {
	tries=0
	while [ "$tries" -lt 30 ]; do
		for f in "$OUTBOX/$SERVICE"/*.eml; do
			[ -f "$f" ] || continue
			if tr -d '\r' <"$f" | grep -qx "To: $1" &&
				tr -d '\r' <"$f" | grep -qx "X-Socle-Category: $2" && grep -qF "$3" "$f"; then
				MAIL=$f
				return 0
			fi
		done
		tries=$((tries + 1))
		sleep 1
	done
	fail "aucun courriel « $2 » pour $1 dans $OUTBOX/$SERVICE/ (OUTBOX est-il le dossier outbox de la démo ?)"
}
fail() {
	echo "ÉCHEC : $*" >&2
	[ ! -s "$BODY" ] || { echo "Réponse :" >&2; cat "$BODY" >&2; echo >&2; }
	exit 1
}
step() { printf '\n==== %s\n' "$*"; }
# ---- Fin des outils communs ----

# ---------------------------------------------------------------------------
# Étape 1. Les acteurs ouvrent leur session : l'employeur (entreprise n° 1,
# rôles administrateur, déclaration, convocation, facturation), l'assistante
# médicale (planning).
step "1. Connexions"
login "employeur@$SERVICE.example"
EMPLOYER=$TOKEN
login "assistante@$SERVICE.example"
PLANNER=$TOKEN

# ---------------------------------------------------------------------------
# Étape 2. L'employeur demande au moteur de visites ce que le salarié doit
# passer : le type de visite, la fenêtre (earliest, latest ou before), qui la
# fait, les articles, et « overdue » quand l'échéance est passée.
step "2. L'employeur lit la prochaine visite due du salarié n° $WORKER"
call 200 GET "/tracking/workers/$WORKER/next-visits" "$EMPLOYER"
TYPE=$(json_val type)
DUE=$(json_val latest)
[ -n "$DUE" ] || DUE=$(json_val before)
echo "→ visite due : $TYPE, échéance $DUE, en retard : $(json_val overdue)"
[ -n "$TYPE" ] || fail "aucune visite due pour le salarié $WORKER"

# ---------------------------------------------------------------------------
# Étape 3. L'employeur demande cette visite. L'échéance (due_before) est
# donnée quand elle n'est pas passée ; une visite en retard se demande sans.
# Réponse 201 : la demande, « queued », avec sa priorité et son motif.
step "3. L'employeur demande la visite"
if [ "$(json_val overdue)" != true ] && [ -n "$DUE" ]; then
	DUE_FIELD=",\"due_before\":\"$DUE\""
else
	DUE_FIELD=""
fi
call 201 POST /tracking/visit-requests "$EMPLOYER" \
	"{\"worker_id\":$WORKER,\"company_id\":$COMPANY,\"type\":\"$TYPE\"$DUE_FIELD}"
REQUEST=$(json_val id)
echo "→ demande n° $REQUEST, statut $(json_val status), demandée le $(json_val requested_on)"

# ---------------------------------------------------------------------------
# Étape 4. L'assistante médicale inscrit le médecin au planning (201 la
# première fois, 200 ensuite : l'inscription est mise à jour) puis ouvre un
# créneau de 30 minutes proposé au choix des entreprises ("offered": true).
# Un créneau qui en chevauche un autre du même médecin est refusé (409) : on
# essaie alors la demi-heure suivante.
step "4. L'assistante médicale ouvre un créneau du médecin"
call "200|201" POST /tracking/professionals "$PLANNER" \
	"{\"email\":\"medecin@$SERVICE.example\",\"site\":\"Lyon\"}"
DOCTOR_ID=$(json_val user_id) # le professionnel est désigné par son compte
start=$((($(date -u -d "$NOW" +%s) + 3600 + 899) / 900 * 900)) # dans une heure, au quart d'heure
while :; do
	STARTS_AT=$(TZ=$SERVICE_TZ date -d "@$start" +%Y-%m-%dT%H:%M)
	hhmm=$(TZ=$SERVICE_TZ date -d "@$start" +%H%M)
	if [ "${STARTS_AT%T*}" != "$TODAY" ] || [ "$hhmm" -gt 2330 ]; then
		fail "plus de créneau possible aujourd'hui ($TODAY, heure du service) : relancez entre 2 h et 22 h 30 (heure de Paris), ou figez l'horloge du service (clé \"clock\") et donnez-la dans NOW"
	fi
	call "201|409" POST /tracking/slots "$PLANNER" "{\"professional_id\":$DOCTOR_ID,
 \"starts_at\":\"$STARTS_AT\",\"duration_min\":30,\"site\":\"Lyon\",\"offered\":true}"
	[ "$STATUS" = 409 ] || break
	start=$((start + 1800))
done
echo "→ créneau n° $(json_val id) le $STARTS_AT ($SERVICE_TZ)"

# ---------------------------------------------------------------------------
# Étape 5. L'employeur (rôle « convocation » de l'entreprise) voit les
# créneaux proposés qui conviennent à sa demande (type, professionnel,
# échéance), puis en réserve un. La réservation programme la convocation et
# les rappels.
step "5. L'employeur choisit un créneau proposé et le réserve"
call 200 GET "/tracking/companies/$COMPANY/slots-offered?request_id=$REQUEST&limit=5" "$EMPLOYER"
SLOT=$(json_val id)
[ -n "$SLOT" ] || fail "aucun créneau proposé pour la demande $REQUEST"
call 200 POST "/tracking/visit-requests/$REQUEST/book" "$EMPLOYER" "{\"slot_id\":$SLOT}"
echo "→ demande n° $REQUEST : $(json_val status), créneau n° $(json_val slot_id)"

# ---------------------------------------------------------------------------
# Étape 6. La convocation part par courriel (une tâche, juste après la
# réservation) au contact de l'entreprise et au salarié ; elle porte la
# référence de la demande. Sans SMTP, la démo l'écrit dans OUTBOX.
step "6. La convocation reçue par le salarié ($OUTBOX/$SERVICE/)"
find_mail "salarie@$SERVICE.example" convocation "Référence de la demande : $REQUEST"
echo "courriel : $MAIL"
tr -d '\r' <"$MAIL" | sed -n '/^Bonjour/,/^Avec/p'

printf '\nParcours 2 terminé : demande %s, visite le %s à %s (%s).\n' \
	"$REQUEST" "$TODAY" "${STARTS_AT#*T}" "$SERVICE_TZ"
printf 'Une fois la visite commencée, le parcours 3 la tient :\n'
printf '  REQUEST=%s sh examples/walkthroughs/03-visite-et-documents.sh\n' "$REQUEST"
echo "REQUEST=$REQUEST"
