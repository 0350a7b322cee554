#!/bin/sh
# Parcours 4 : le salarié demande lui-même une visite, jusqu'à son ordonnance.
#
# Le salarié (compte salarie@SERVICE.example, rattaché au travailleur n° 1
# des données de démonstration) demande une visite à la demande au médecin du
# travail (article R4624-34 du code du travail) ; son employeur n'en est pas
# informé : il ne la voit dans aucune liste (404 sur la demande), ne reçoit
# ni convocation ni rappel. L'assistante médicale ouvre un créneau du médecin
# et y place la demande ; la convocation part au seul salarié. Puis, une fois
# la visite commencée, le médecin la tient et remet une ordonnance de
# prévention, que le salarié lit ; l'employeur n'a aucun document (404).
#
# Deux temps, comme les parcours 2 et 3 : sans REQUEST, le script fait la
# demande et la réservation, et finit par le numéro de la demande
# (REQUEST=N) ; avec REQUEST=N, une fois l'heure de la visite venue, il la
# tient et montre les documents.
#
# Chaque étape affiche la requête envoyée (« > ») et un extrait de la réponse
# (« < ») ; le script s'arrête au premier statut inattendu (code de sortie 1).
#
# Usage, avec la démo lancée par `make run` (depuis la racine du dépôt) :
#   sh examples/walkthroughs/04-demande-du-salarie.sh
#   # une heure plus tard, avec le numéro donné :
#   REQUEST=N sh examples/walkthroughs/04-demande-du-salarie.sh
# Paramètres (variables d'environnement) : BASE, SERVICE, OUTBOX, PASSWORD,
# NOW, SERVICE_TZ comme au parcours 2 ; REQUEST pour le second temps.
# Outils : sh POSIX, curl, sed, grep, tr et date (GNU, pour `date -d`).
set -eu

BASE=${BASE:-http://127.0.0.1:8080}
SERVICE=${SERVICE:-demo}
OUTBOX=${OUTBOX:-build/release/demo/outbox}
PASSWORD=${PASSWORD:-demo-socle-2026}
NOW=${NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
SERVICE_TZ=${SERVICE_TZ:-Europe/Paris}
REQUEST=${REQUEST:-}
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
# Étape 1. Les acteurs ouvrent leur session : le salarié, son employeur,
# l'assistante médicale, le médecin du travail.
step "1. Connexions"
login "salarie@$SERVICE.example"
EMPLOYEE=$TOKEN
login "employeur@$SERVICE.example"
EMPLOYER=$TOKEN
login "assistante@$SERVICE.example"
PLANNER=$TOKEN
login "medecin@$SERVICE.example"
DOCTOR=$TOKEN

if [ -z "$REQUEST" ]; then
	# -------------------------------------------------------------------
	# Étape 2. Le salarié demande une visite au médecin du travail, avec
	# ses mots. requested_by vaut « worker » d'office : c'est son compte.
	step "2. Le salarié demande une visite à la demande (R4624-34)"
	call 201 POST /tracking/visit-requests "$EMPLOYEE" \
		"{\"worker_id\":$WORKER,\"company_id\":$COMPANY,\"type\":\"visite_a_la_demande\",
 \"reason\":\"Douleurs au poignet depuis le changement de poste, je souhaite en parler.\"}"
	REQUEST=$(json_val id)
	echo "→ demande n° $REQUEST, statut $(json_val status), demandée par $(json_val requested_by)"

	# -------------------------------------------------------------------
	# Étape 3. L'employeur n'en sait rien : la demande lui répond 404
	# comme une demande qui n'existe pas, et la liste des visites de
	# l'entreprise ne la contient pas.
	step "3. L'employeur ne voit pas la demande"
	call 404 GET "/tracking/visit-requests/$REQUEST" "$EMPLOYER"
	call 200 GET "/tracking/companies/$COMPANY/visits?limit=200" "$EMPLOYER"
	if grep -q "\"id\": *$REQUEST[,} ]" "$BODY"; then
		fail "la visite demandée par le salarié figure dans la liste de l'employeur"
	fi

	# -------------------------------------------------------------------
	# Étape 4. L'assistante médicale ouvre un créneau du médecin dans une
	# heure et y place la demande (sans passer par les créneaux proposés
	# aux entreprises).
	step "4. L'assistante médicale place la demande dans un créneau du médecin"
	call "200|201" POST /tracking/professionals "$PLANNER" \
		"{\"email\":\"medecin@$SERVICE.example\",\"site\":\"Lyon\"}"
	DOCTOR_ID=$(json_val user_id)
	start=$((($(date -u -d "$NOW" +%s) + 3600 + 899) / 900 * 900))
	while :; do
		STARTS_AT=$(TZ=$SERVICE_TZ date -d "@$start" +%Y-%m-%dT%H:%M)
		hhmm=$(TZ=$SERVICE_TZ date -d "@$start" +%H%M)
		if [ "${STARTS_AT%T*}" != "$TODAY" ] || [ "$hhmm" -gt 2330 ]; then
			fail "plus de créneau possible aujourd'hui ($TODAY, heure du service) : relancez entre 2 h et 22 h 30 (heure de Paris), ou figez l'horloge du service (clé \"clock\") et donnez-la dans NOW"
		fi
		call "201|409" POST /tracking/slots "$PLANNER" "{\"professional_id\":$DOCTOR_ID,
 \"starts_at\":\"$STARTS_AT\",\"duration_min\":30,\"site\":\"Lyon\"}"
		[ "$STATUS" = 409 ] || break
		start=$((start + 1800))
	done
	SLOT=$(json_val id)
	call 200 POST "/tracking/visit-requests/$REQUEST/book" "$PLANNER" "{\"slot_id\":$SLOT}"
	echo "→ demande n° $REQUEST : $(json_val status), le $STARTS_AT ($SERVICE_TZ)"

	# -------------------------------------------------------------------
	# Étape 5. La convocation part au seul salarié ; elle lui dit que son
	# employeur n'est pas informé. Aucune convocation de cette visite ne
	# va au contact de l'entreprise.
	step "5. La convocation reçue par le salarié ($OUTBOX/$SERVICE/)"
	find_mail "salarie@$SERVICE.example" convocation "Référence de la demande : $REQUEST"
	echo "courriel : $MAIL"
	tr -d '\r' <"$MAIL" | sed -n '/^Bonjour/,/^En cas/p'
	tr -s '\r\n' '  ' <"$MAIL" | grep -q "employeur n'est pas informé de votre demande" ||
		fail "la convocation ne dit pas que l'employeur n'est pas informé"
	for f in "$OUTBOX/$SERVICE"/*.eml; do
		[ -f "$f" ] || continue
		if grep -qF "Référence de la demande : $REQUEST" "$f" &&
			! tr -d '\r' <"$f" | grep -qx "To: salarie@$SERVICE.example"; then
			fail "un courriel de cette visite est parti à un autre que le salarié : $f"
		fi
	done

	printf '\nPremier temps terminé : demande %s, visite le %s à %s (%s).\n' \
		"$REQUEST" "$TODAY" "${STARTS_AT#*T}" "$SERVICE_TZ"
	printf 'Une fois la visite commencée :\n'
	printf '  REQUEST=%s sh examples/walkthroughs/04-demande-du-salarie.sh\n' "$REQUEST"
	echo "REQUEST=$REQUEST"
	exit 0
fi

# ---------------------------------------------------------------------------
# Étape 6. La visite a commencé : le médecin lit la demande (le motif du
# salarié), puis saisit ses conclusions : l'attestation de suivi, remise au
# salarié seul (l'employeur ne sait rien de cette visite), une ordonnance
# de prévention, des notes au seul DMST.
step "6. Le médecin tient la visite n° $REQUEST"
call 200 GET "/tracking/visit-requests/$REQUEST" "$DOCTOR"
echo "→ visite $(json_val type), motif du salarié : $(json_val reason)"
call 201 POST "/tracking/visits/$REQUEST/outcome" "$DOCTOR" "{\"held_on\":\"$TODAY\",
 \"document\":\"attestation\",
 \"ordonnance\":{\"risks\":[\"Gestes répétitifs\"],
   \"advice\":[\"Alterner les tâches de façonnage toutes les heures\",\"Consulter votre médecin traitant si la douleur persiste\"]},
 \"notes\":[{\"kind\":\"observation\",\"text\":\"Tendinite débutante du poignet droit.\"}]}"
echo "→ visite du $(json_val held_on) : $(json_val status)"

# ---------------------------------------------------------------------------
# Étape 7. Le salarié retrouve la visite dans la liste de ses visites, avec
# le document qu'il peut lire, et lit son ordonnance.
step "7. Le salarié lit ses visites et son ordonnance"
# Chaque visite y a son numéro (id) et les documents que le salarié peut
# lire (documents) : le chemin du document s'en déduit,
# /tracking/visits/{id}/documents/{document}.
call 200 GET "/tracking/workers/$WORKER/visits?status=done" "$EMPLOYEE"
{ grep -q "\"id\": *$REQUEST[,} ]" "$BODY" && grep -q '"ordonnance"' "$BODY"; } ||
	fail "la liste des visites du salarié ne donne pas cette visite et son ordonnance"
call 200 GET "/tracking/visits/$REQUEST/documents/ordonnance" "$EMPLOYEE"
{ tr -d '\n' <"$BODY"; echo; } | sed -n 's/.*"advice": *\[\([^]]*\)\].*/→ conseils : \1/p'

# ---------------------------------------------------------------------------
# Étape 8. L'employeur n'a rien : ni la visite, ni un document (404 comme
# pour ce qui n'existe pas), et aucune donnée médicale nulle part.
step "8. L'employeur n'a ni la visite ni ses documents"
call 404 GET "/tracking/visit-requests/$REQUEST" "$EMPLOYER"
call 404 GET "/tracking/visits/$REQUEST/documents/attestation" "$EMPLOYER"
call 404 GET "/tracking/visits/$REQUEST/documents/ordonnance" "$EMPLOYER"
call 200 GET "/tracking/workers/$WORKER/visits" "$EMPLOYER"
if grep -q -e Tendinite -e "Gestes répétitifs" -e "poignet" -e "\"id\": *$REQUEST[,} ]" "$BODY"; then
	fail "la liste de l'employeur contient cette visite ou des données médicales"
fi

printf '\nParcours 4 terminé : demande %s du salarié, visite du %s tenue, ordonnance lue.\n' \
	"$REQUEST" "$TODAY"
