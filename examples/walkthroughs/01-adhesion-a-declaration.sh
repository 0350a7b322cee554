#!/bin/sh
# Parcours 1 : de la demande d'adhésion à la déclaration d'un salarié.
#
# Une entreprise demande son adhésion par le formulaire public, l'assistante
# médicale du service l'accepte, la personne de contact active son compte par
# le lien reçu par courriel, se connecte, déclare un salarié, puis lit la
# catégorie de suivi de ce salarié et les visites qu'il doit passer.
#
# Chaque étape affiche la requête envoyée (« > ») et un extrait de la réponse
# (« < ») ; le script s'arrête au premier statut inattendu (code de sortie 1).
#
# Usage, avec la démo lancée par `make run` (depuis la racine du dépôt) :
#   sh examples/walkthroughs/01-adhesion-a-declaration.sh
# Paramètres (variables d'environnement) :
#   BASE      adresse du serveur (http://127.0.0.1:8080)
#   SERVICE   service visé (demo)
#   OUTBOX    dossier des courriels de la démo : sans transport SMTP, chaque
#             courriel est un fichier .eml de OUTBOX/SERVICE/ (clé "mail" de
#             docs/config.md) ; par défaut build/release/demo/outbox
#   PASSWORD  mot de passe des comptes de démonstration (demo-socle-2026),
#             aussi choisi ici par le contact de l'entreprise
#   NOW       l'heure du service (AAAA-MM-JJTHH:MM:SSZ) quand sa config la
#             fige (clé "clock", ce que fait le test) ; par défaut l'heure de
#             la machine
# Outils : sh POSIX, curl, sed, grep, tr et date (GNU, pour `date -d`) ; pas
# de jq : les valeurs sont lues avec sed (fonction json_val).
# Relancer le script crée une nouvelle entreprise (SIRET et adresse uniques) ;
# le formulaire public accepte 20 demandes par heure et par adresse IP.
set -eu

BASE=${BASE:-http://127.0.0.1:8080}
SERVICE=${SERVICE:-demo}
OUTBOX=${OUTBOX:-build/release/demo/outbox}
PASSWORD=${PASSWORD:-demo-socle-2026}
NOW=${NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
API="$BASE/api/v1/$SERVICE"
TODAY=$(date -u -d "$NOW" +%F) # la date du service (UTC)

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
# luhn_key CHIFFRES : le chiffre à ajouter pour que la clé de Luhn soit juste
# (SIREN et SIRET).
luhn_key() {
	digits=$1 sum=0 i=${#1} double=1
	while [ "$i" -gt 0 ]; do
		d=$(printf '%s' "$digits" | cut -c "$i")
		if [ "$double" -eq 1 ]; then
			d=$((d * 2))
			[ "$d" -le 9 ] || d=$((d - 9))
		fi
		sum=$((sum + d)) double=$((1 - double)) i=$((i - 1))
	done
	echo $(((10 - sum % 10) % 10))
}

# Une entreprise nouvelle à chaque passage : un SIREN (8 chiffres tirés de
# l'heure + clé de Luhn), son siège (NIC 0001 + clé), une adresse de contact.
SEED=$(date +%s%N | cut -c 4-11)
SIREN="$SEED$(luhn_key "$SEED")"
SIRET="${SIREN}0001$(luhn_key "${SIREN}0001")"
CONTACT="contact-$SEED@menuiserie-exemple.example"

# ---------------------------------------------------------------------------
# Étape 1. L'entreprise (public, sans compte) lit ce que demande le formulaire
# d'adhésion : liste des risques avec leurs codes, les six questions de
# prévention, les modes de paiement, l'offre du service.
step "1. Le formulaire d'adhésion (public)"
call 200 GET /membership/application-form

# ---------------------------------------------------------------------------
# Étape 2. L'entreprise envoie sa demande d'adhésion : identité (SIRET avec sa
# clé, code NAF), adresse, effectif, contact, expositions (codes de
# GET /membership/risks), réponses aux questions de prévention, paiement.
# Réponse 201 : l'identifiant de la demande, son statut « applied » et sa
# référence. Une erreur de saisie donne 422 avec un message par champ.
step "2. La demande d'adhésion (public)"
call 201 POST /membership/applications "" "{\"siret\":\"$SIRET\",
 \"legal_name\":\"Menuiserie Exemple $SEED\",\"naf_code\":\"16.23Z\",\"naf_version\":\"NAFrev2\",
 \"address\":{\"line\":\"8 rue des Artisans\",\"postcode\":\"69007\",\"city\":\"Lyon\"},
 \"headcount\":3,
 \"contact\":{\"name\":\"Camille Exemple\",\"email\":\"$CONTACT\",\"phone\":\"04 78 11 22 33\"},
 \"exposures\":[\"bruit\",\"port_de_charges\"],
 \"prevention_answers\":{\"duerp\":true,\"duerp_with_workers\":true,\"action_plan\":true,
   \"action_plan_reviewed\":false,\"staff_representation\":false,\"onboarding\":true},
 \"payment\":{\"mode\":\"transfer\"}}"
COMPANY=$(json_val id)
echo "→ entreprise n° $COMPANY, statut $(json_val status), référence $(json_val reference)"

# ---------------------------------------------------------------------------
# Étape 3. L'assistante médicale du service (capacité membership.review) se
# connecte et voit la demande parmi celles en attente.
step "3. L'assistante médicale ouvre une session et liste les demandes en attente"
login "assistante@$SERVICE.example"
STAFF=$TOKEN
call 200 GET "/membership/applications?status=applied&limit=5" "$STAFF"

# ---------------------------------------------------------------------------
# Étape 4. L'assistante accepte l'adhésion : numéro d'adhérent, compte
# administrateur de l'entreprise pour le contact, courriel d'invitation, le
# tout dans une seule transaction.
step "4. L'assistante accepte l'adhésion"
call 200 POST "/membership/companies/$COMPANY/approve" "$STAFF" '{}'
echo "→ numéro d'adhérent : $(json_val member_number)"

# ---------------------------------------------------------------------------
# Étape 5. Le contact reçoit le courriel d'invitation. Il contient un lien
# .../{service}/portal/invitation.html?token=... ; la page qu'il ouvre (dans
# l'espace adhérent) envoie le jeton et le mot de passe choisi à
# POST /membership/invitations/accept, ce que nous faisons ici. Le
# jeton est lu dans le fichier du courriel ; il ne sert qu'une fois (410
# ensuite).
step "5. Le contact lit l'invitation ($OUTBOX/$SERVICE/) et active son compte"
find_mail "$CONTACT" invitation "invitation.html?token="
echo "courriel : $MAIL"
grep -F "invitation.html?token=" "$MAIL" | sed 's/token=\(.\{8\}\).*/token=\1… (tronqué ici)/'
INVITATION=$(sed -n 's/.*invitation\.html?token=\([A-Za-z0-9_-]*\).*/\1/p' "$MAIL" | head -n 1)
call 200 POST /membership/invitations/accept "" \
	"{\"token\":\"$INVITATION\",\"password\":\"$PASSWORD\"}"

# ---------------------------------------------------------------------------
# Étape 6. Le contact se connecte (rôle employer) et voit son entreprise et
# ses rôles : administrateur, déclaration, convocation, facturation.
step "6. Le contact de l'entreprise ouvre une session"
login "$CONTACT"
EMPLOYER=$TOKEN
call 200 GET /membership/my/companies "$EMPLOYER"

# ---------------------------------------------------------------------------
# Étape 7. L'employeur déclare un salarié (rôle « déclaration » de
# l'entreprise). Le service calcule aussitôt sa catégorie de suivi par ses
# règles Lua (follow_up_category) : SI, SIA ou SIR, avec les motifs et les
# articles du code du travail. Ici un menuisier en CDI embauché aujourd'hui,
# sans critère particulier : suivi individuel simple (SI). Avec
# "night_worker": true il serait en SIA ; avec l'exposition "amiante", en SIR.
step "7. L'employeur déclare un salarié"
call 201 POST "/membership/companies/$COMPANY/workers" "$EMPLOYER" "{\"external_ref\":\"M-001\",
 \"last_name\":\"Girard\",\"first_name\":\"Hugo\",\"birth_date\":\"1992-02-14\",
 \"job_title\":\"Menuisier\",\"contract_type\":\"cdi\",\"start_date\":\"$TODAY\",
 \"exposures\":[\"bruit\"]}"
WORKER=$(json_val id)
echo "→ salarié n° $WORKER"

# ---------------------------------------------------------------------------
# Étape 8. L'employeur relit la fiche du salarié : sa catégorie de suivi, ses
# motifs, les articles qui la fondent.
step "8. L'employeur lit la catégorie de suivi du salarié"
call 200 GET "/membership/companies/$COMPANY/workers/$WORKER" "$EMPLOYER"
echo "→ catégorie : $(json_val category) (articles : $({ tr -d '\n' <"$BODY"; echo; } |
	sed -n 's/.*"category_basis": *\[\([^]]*\)\].*/\1/p' | tr -d '"'))"

# ---------------------------------------------------------------------------
# Étape 9. L'employeur demande au moteur de visites ce que le salarié doit
# passer et quand : ici la visite d'information et de prévention initiale,
# dans les 3 mois de l'embauche (R4624-10), avec l'explication en français.
# (GET /tracking/companies/{id}/due-visits donne la même chose pour toute
# l'entreprise, telle que calculée au dernier recalcul quotidien.)
step "9. L'employeur lit les visites dues du salarié"
call 200 GET "/tracking/workers/$WORKER/next-visits" "$EMPLOYER"
echo "→ visite due : $(json_val type), au plus tard le $(json_val latest)"
{ tr '\n' ' ' <"$BODY"; echo; } | sed -n 's/.*"explanation": *"\([^"]*\)".*/→ « \1 »/p'

printf '\nParcours 1 terminé : entreprise %s, salarié %s (contact %s).\n' \
	"$COMPANY" "$WORKER" "$CONTACT"
