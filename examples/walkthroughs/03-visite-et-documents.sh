#!/bin/sh
# Parcours 3 : le jour de la visite, de ses conclusions aux documents.
#
# La visite réservée au parcours 2 a commencé : le médecin du travail saisit
# ses conclusions, l'employeur télécharge l'attestation de suivi (HTML
# imprimable, sans rien de médical ; l'ordonnance lui est refusée), et le
# salarié lit son ordonnance de prévention et la liste des accès à ses
# données médicales.
#
# Le salarié est le travailleur n° 1 des données de démonstration (entreprise
# n° 1, Boulangerie Durand), comme au parcours 2.
#
# Chaque étape affiche la requête envoyée (« > ») et un extrait de la réponse
# (« < ») ; le script s'arrête au premier statut inattendu (code de sortie 1).
#
# Usage, avec la démo lancée par `make run` (depuis la racine du dépôt), une
# fois l'heure de la visite passée :
#   REQUEST=N sh examples/walkthroughs/03-visite-et-documents.sh
# Paramètres (variables d'environnement) :
#   REQUEST     le numéro de la demande de visite (donné par le parcours 2)
#   BASE        adresse du serveur (http://127.0.0.1:8080)
#   SERVICE     service visé (demo)
#   OUTBOX      dossier des courriels de la démo (build/release/demo/outbox)
#   PASSWORD    mot de passe des comptes de démonstration (demo-socle-2026)
#   NOW         l'heure du service (AAAA-MM-JJTHH:MM:SSZ) quand sa config la
#               fige (clé "clock", ce que fait le test) ; par défaut l'heure
#               de la machine
#   DOCS        un dossier où garder l'attestation et l'ordonnance (facultatif)
# Outils : sh POSIX, curl, sed, grep, tr et date (GNU, pour `date -d`).
#
# Les dates. Les conclusions s'enregistrent une fois la visite commencée
# (avant, le service répond 422 et dit à quelle heure elle commence), datées
# du jour de la visite, qui est aujourd'hui (la date UTC du service).
set -eu

BASE=${BASE:-http://127.0.0.1:8080}
SERVICE=${SERVICE:-demo}
OUTBOX=${OUTBOX:-build/release/demo/outbox}
PASSWORD=${PASSWORD:-demo-socle-2026}
NOW=${NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
DOCS=${DOCS:-}
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

[ -n "$REQUEST" ] || fail "donnez le numéro de la demande : REQUEST=N (le parcours 2 l'affiche)"

# ---------------------------------------------------------------------------
# Étape 1. Les acteurs ouvrent leur session : l'employeur, le médecin du
# travail, le salarié.
step "1. Connexions"
login "employeur@$SERVICE.example"
EMPLOYER=$TOKEN
login "medecin@$SERVICE.example"
DOCTOR=$TOKEN
login "salarie@$SERVICE.example"
EMPLOYEE=$TOKEN

# ---------------------------------------------------------------------------
# Étape 2. Le médecin ouvre la demande : le type de visite décide du
# document (un avis d'aptitude pour le suivi renforcé, sinon une attestation).
step "2. Le médecin ouvre la visite n° $REQUEST"
call 200 GET "/tracking/visit-requests/$REQUEST" "$DOCTOR"
TYPE=$(json_val type)
echo "→ visite $TYPE, statut $(json_val status)"

# ---------------------------------------------------------------------------
# Étape 3. Le médecin du travail saisit les conclusions de la visite :
# l'attestation de suivi (un avis d'aptitude pour le suivi renforcé), ses
# remarques pour l'employeur, une ordonnance de prévention pour le salarié,
# et des notes médicales qui vont au seul DMST (dossier médical en santé au
# travail). La demande passe à « done ».
step "3. Le médecin saisit les conclusions de la visite"
case $TYPE in
ema_* | visite_intermediaire) DOC=avis_aptitude DOC_PATH=avis ;;
*) DOC=attestation DOC_PATH=attestation ;;
esac
call 201 POST "/tracking/visits/$REQUEST/outcome" "$DOCTOR" "{\"held_on\":\"$TODAY\",
 \"document\":\"$DOC\",\"remarks\":\"Pas de contre-indication au poste.\",
 \"ordonnance\":{\"risks\":[\"Port de charges lourdes\"],
   \"advice\":[\"Utiliser le diable pour les sacs de farine\",\"Soulever jambes fléchies, dos droit\"]},
 \"notes\":[{\"kind\":\"observation\",\"text\":\"Lombalgies occasionnelles, à revoir.\"}]}"
echo "→ visite du $(json_val held_on) : $(json_val status)"

# ---------------------------------------------------------------------------
# Étape 4. L'employeur télécharge l'attestation en HTML imprimable (sans
# .html : la même en JSON). Elle ne dit rien de médical : ni les notes, ni
# l'ordonnance, que l'employeur ne peut pas lire (403).
step "4. L'employeur télécharge l'attestation (HTML)"
call 200 GET "/tracking/visits/$REQUEST/documents/$DOC_PATH.html" "$EMPLOYER"
sed -n -e 's|^<tr><th>\(.*\)</th><td>\(.*\)</td></tr>$|   \1 : \2|p' \
	-e '/^<h2>/{N;s|^<h2>\(.*\)</h2>\n<p>\(.*\)</p>$|   \1 : \2|p;}' "$BODY" | sed "s/&#39;/'/g"
if grep -q -e Lombalgies -e "Port de charges" "$BODY"; then
	fail "l'attestation de l'employeur contient des données médicales"
fi
[ -z "$DOCS" ] || { cp "$BODY" "$DOCS/$DOC_PATH-$REQUEST.html" && echo "→ $DOCS/$DOC_PATH-$REQUEST.html"; }
call 403 GET "/tracking/visits/$REQUEST/documents/ordonnance" "$EMPLOYER"

# ---------------------------------------------------------------------------
# Étape 5. Le salarié lit son ordonnance de prévention (les risques, les
# conseils, comment joindre les professionnels de santé du service).
step "5. Le salarié lit son ordonnance de prévention"
call 200 GET "/tracking/visits/$REQUEST/documents/ordonnance" "$EMPLOYEE"
{ tr -d '\n' <"$BODY"; echo; } | sed -n 's/.*"advice": *\[\([^]]*\)\].*/→ conseils : \1/p'
[ -z "$DOCS" ] || { cp "$BODY" "$DOCS/ordonnance-$REQUEST.json" && echo "→ $DOCS/ordonnance-$REQUEST.json"; }

# ---------------------------------------------------------------------------
# Étape 6. Le salarié voit qui a accédé à ses données médicales : la date,
# l'action et le rôle (jamais le nom de la personne). Ici l'écriture du
# médecin dans son DMST. Deux routes : celle du DMST et celle de tout compte
# salarié (/auth/me/accesses).
step "6. Le salarié lit la liste des accès à ses données médicales"
call 200 GET "/tracking/dmst/$WORKER/accesses?limit=3" "$EMPLOYEE"
echo "→ dernier accès : $(json_val action) par le rôle $(json_val role), le $(json_val at)"
call 200 GET "/auth/me/accesses?limit=3" "$EMPLOYEE"

printf '\nParcours 3 terminé : demande %s, visite du %s tenue, documents lus.\n' \
	"$REQUEST" "$TODAY"
